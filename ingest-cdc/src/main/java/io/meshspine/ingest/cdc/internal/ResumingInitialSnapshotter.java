package io.meshspine.ingest.cdc.internal;

import io.debezium.snapshot.mode.InitialSnapshotter;

/**
 * Debezium's {@code initial} snapshot mode, except that a snapshot begun again after a crash keeps the position the
 * interrupted one started at (chaos finding 1, docs/reliability.md). Used by both connectors.
 *
 * <p>Why: a snapshot killed midway (or just after its last read, before the offset of its completion is stored) has
 * already published some rows to the raw topic and stored its offset, marked "snapshot running". With plain
 * {@code initial} the restarted connector snapshots again at the <em>current</em> log position and streams from
 * there, so whatever happened between the two snapshots is never streamed: an update is covered by the new read of the
 * row, but a row deleted meanwhile is simply absent from the second snapshot, and its delete never reaches the raw
 * topic, while the first snapshot's read of it stays in Silver for good. Answering false from
 * {@link #shouldStreamEventsStartingFromSnapshot()} makes
 * <ul>
 *   <li>the MariaDB connector take the new snapshot at the stored position ({@code BinlogSnapshotChangeEventSource})
 *       and stream from it, so every change since the first snapshot began is streamed after the new reads;</li>
 *   <li>the PostgreSQL connector stream from the stored LSN up to the WAL position at which the new snapshot's
 *       transaction was opened ("catch-up streaming", {@code PostgresChangeEventSourceCoordinator}), then take the
 *       snapshot, then stream on from where the catch-up stopped.</li>
 * </ul>
 * The new reads carry an old position: the gate drops those of rows the first snapshot already passed (same position
 * and key), and the sink's source order keeps the streamed changes over them.
 *
 * <p><b>Only when a snapshot was interrupted.</b> Debezium asks this question on every start, and PostgreSQL's
 * coordinator runs its catch-up streaming whenever the answer is false and an offset exists, also when the snapshot
 * was <em>completed</em> and none will be taken. The catch-up leaves its stopping LSN in the offset context that the
 * skipped snapshot hands to the real streaming phase, which therefore ends at once ("Finished streaming") while the
 * engine stays up: the capture delivered nothing, with no error, after every ingest restart (the stall seen under
 * {@code ./spine chaos --short}). So the answer is false only when the last {@link #shouldSnapshotData} call, which
 * Debezium makes with the stored offset's state before it snapshots or catches up, saw an interrupted snapshot. One
 * instance per engine task (Debezium loads the snapshotter afresh for each task).
 *
 * <p>What it answered is kept per engine ({@link #resumesInterruptedSnapshot(String)}, by the engine's {@code name}),
 * so that the capture knows a PostgreSQL catch-up streaming precedes the snapshot's reads ({@link CatchUpKeys}).
 *
 * <p>Selected with {@code snapshot.mode=custom}, {@code snapshot.mode.custom.name=}{@value #NAME}; found by Debezium
 * through {@code META-INF/services/io.debezium.spi.snapshot.Snapshotter}.
 */
public final class ResumingInitialSnapshotter extends InitialSnapshotter {

    /** The name {@code snapshot.mode.custom.name} selects this snapshotter by. */
    public static final String NAME = "spine-resuming-initial";

    /** Per engine name: whether its current task resumes an interrupted snapshot (its snapshotter's last answer). */
    private static final java.util.concurrent.ConcurrentMap<String, Boolean> RESUMING = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per engine name: whether its current task started with no stored offset at all (a database's first capture). */
    private static final java.util.concurrent.ConcurrentMap<String, Boolean> FIRST_CAPTURE = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether the stored offset, as last reported by Debezium, marks a snapshot that was begun and not finished. */
    private volatile boolean resumingInterruptedSnapshot;
    /** The engine's {@code name}, from the connector configuration Debezium configures this snapshotter with. */
    private volatile String engine;

    /**
     * Whether the engine of this name, in its current task, resumes a snapshot that was interrupted: known once Debezium
     * has asked {@link #shouldSnapshotData}, which it does before it delivers any change of the task.
     */
    public static boolean resumesInterruptedSnapshot(String engineName) {
        return RESUMING.getOrDefault(engineName, false);
    }

    /**
     * Whether the engine of this name, in its current task, found no stored offset: its snapshot is the database's
     * first, with nothing to resume should it be killed before an offset is stored (see
     * {@link SnapshotBoundaries}). Known, like {@link #resumesInterruptedSnapshot}, before the task's first change.
     */
    public static boolean firstCapture(String engineName) {
        return FIRST_CAPTURE.getOrDefault(engineName, false);
    }

    /** Forgets an engine's answer: before each engine run (a task asks afresh) and when its capture closes. */
    static void forget(String engineName) {
        RESUMING.remove(engineName);
        FIRST_CAPTURE.remove(engineName);
    }

    @Override
    public void configure(java.util.Map<String, ?> properties) {
        super.configure(properties);
        Object name = properties.get("name");
        engine = name == null ? null : name.toString();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean shouldSnapshotData(boolean offsetExists, boolean snapshotInProgress) {
        resumingInterruptedSnapshot = offsetExists && snapshotInProgress;
        if (engine != null) {
            RESUMING.put(engine, resumingInterruptedSnapshot);
            FIRST_CAPTURE.put(engine, !offsetExists);
        }
        return super.shouldSnapshotData(offsetExists, snapshotInProgress);
    }

    @Override
    public boolean shouldStreamEventsStartingFromSnapshot() {
        return !resumingInterruptedSnapshot;
    }
}
