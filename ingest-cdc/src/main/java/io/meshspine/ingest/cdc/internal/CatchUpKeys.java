package io.meshspine.ingest.cdc.internal;

import java.util.HashSet;
import java.util.Set;

/**
 * The rows a PostgreSQL catch-up streaming delivered before a resumed snapshot, so that the snapshot's reads of the
 * same rows are passed over (chaos finding 1, residual; docs/reliability.md).
 *
 * <p>Why: a snapshot interrupted by a crash is taken again from the stored LSN ({@link ResumingInitialSnapshotter}).
 * PostgreSQL's coordinator first streams from that LSN up to the WAL position at which the new snapshot's transaction
 * opens (the catch-up), then reads every row, each read stamped with the stored LSN. A row changed while the lane was
 * down therefore comes twice: its change at its own LSN, then a read of the same row state at the old LSN. Two
 * positions are two identities for the gate, so a row the contract refuses was dead-lettered twice. The read can be
 * passed over without loss: the snapshot sees the database as of the catch-up's stopping position, so the last
 * streamed change of the row already carries the state it reads (or the row's delete, and then there is no read).
 *
 * <p>MariaDB reads first and streams the changes made while down after: there the streamed change is passed over
 * instead ({@link ResumedSnapshotCover}).
 *
 * <p>Bounded: keys are kept only in an engine task that resumes an interrupted snapshot, from its start until its
 * snapshot ends (the first streamed change after a read), so at most the rows changed while the lane was down.
 * One instance per capture, used by the engine's single delivery thread.
 */
final class CatchUpKeys {

    private enum Phase {
        /** A new engine task: whether it resumes an interrupted snapshot is asked at its first change. */
        UNKNOWN,
        /** Resuming: streamed changes before the snapshot's reads are the catch-up; their rows are kept. */
        CATCHING_UP,
        /** The resumed snapshot's reads: those of kept rows are passed over. */
        SNAPSHOT,
        /** Nothing to do in this task. */
        DONE
    }

    private record Row(String table, Object key) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CatchUpKeys.class);

    private final String engine;
    private final Set<Row> delivered = new HashSet<>();
    private Phase phase = Phase.UNKNOWN;
    private long passedOver;

    CatchUpKeys(String engine) {
        this.engine = engine;
    }

    /** A new engine task begins (the engine started, or started again after a fault). */
    void taskStarting() {
        delivered.clear();
        phase = Phase.UNKNOWN;
        passedOver = 0;
    }

    /**
     * Whether this change is a resumed snapshot's read of a row the catch-up already delivered, to be passed over.
     *
     * @param resuming whether the engine's task resumes an interrupted snapshot (asked once per task)
     * @param op       the change's op: {@code r} for a snapshot's read, {@code c}, {@code u}, {@code d} streamed
     * @param snapshot Debezium's {@code source.snapshot} marker ({@code incremental} for an incremental snapshot's read,
     *                 whose reads Debezium itself reconciles with streaming)
     * @return true to pass the change over
     */
    boolean passOver(java.util.function.BooleanSupplier resuming, String table, Object key, String op, String snapshot) {
        if (phase == Phase.UNKNOWN) {
            phase = resuming.getAsBoolean() ? Phase.CATCHING_UP : Phase.DONE;
        }
        if (phase == Phase.DONE || "incremental".equals(snapshot)) {
            return false;
        }
        boolean streamed = !"r".equals(op);
        if (streamed) {
            if (phase == Phase.CATCHING_UP) {
                delivered.add(new Row(table, key));
            } else {
                // The snapshot has ended and streaming goes on: the catch-up's rows are of no further use.
                LOG.info("cdc resumed snapshot ended engine={} caughtUpRows={} readsPassedOver={}", engine, delivered.size(), passedOver);
                phase = Phase.DONE;
                delivered.clear();
            }
            return false;
        }
        if (phase == Phase.CATCHING_UP) {
            phase = delivered.isEmpty() ? Phase.DONE : Phase.SNAPSHOT;
            LOG.info("cdc resumed snapshot reading engine={} caughtUpRows={}: their reads are passed over", engine, delivered.size());
            if (phase == Phase.DONE) {
                return false;
            }
        }
        boolean pass = delivered.contains(new Row(table, key));
        if (pass) {
            passedOver++;
        }
        return pass;
    }

    /** The rows the catch-up delivered in this task, while they are kept. */
    int caughtUpRows() {
        return delivered.size();
    }

    /** Reads passed over in this task so far. */
    long passedOver() {
        return passedOver;
    }
}
