package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.CaptureSource;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.SourceConnection;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One database capture's lineage, per contract (table route), from the source table ({@code postgres://host:port} +
 * {@code database.schema.table}, or {@code mysql://host:port} + {@code database.table}) to the contract's raw topic and
 * {@code spine.dlq}:
 * <ul>
 *   <li>{@code cdc.<contract>}: the streaming run of one engine session. START once the route runs, RUNNING every
 *   {@code lineage.running-interval} with the changes so far, COMPLETE when the capture is closed, FAIL with the
 *   reason when the route stops for a failure or an incompatible change (a later session is a new run).</li>
 *   <li>{@code cdc.<contract>.snapshot}: one snapshot (initial or incremental, child of the streaming run). START at the
 *   table's first snapshot row, COMPLETE at its last (Debezium's {@code last} / {@code last_in_data_collection}
 *   marker, or for an incremental snapshot once the engine's snapshot bean says none runs and no snapshot row came for
 *   {@link #SNAPSHOT_QUIET}), FAIL when the capture stops first. A snapshot that reads no row of a table is no run.</li>
 * </ul>
 * Counts are changes acknowledged by the broker: in = written to the raw topic + dead-lettered. {@link DatabaseCapture}
 * calls {@link #published} per acknowledged change; route states are watched every second, so a failure, however it
 * happens, ends the runs without a call of its own. Nothing here can stop or slow the capture: with lineage off every
 * call returns at once, and events are only queued.
 */
final class CaptureLineage implements AutoCloseable {

    static final Duration SNAPSHOT_QUIET = Duration.ofSeconds(5);
    private static final Duration WATCH = Duration.ofSeconds(1);

    private final LineageEmitter emitter;
    private final String engineName;
    private final Map<TableRoute, PerRoute> routes = new IdentityHashMap<>();
    private ScheduledExecutorService watcher;
    private long lastRunningNanos = System.nanoTime();

    CaptureLineage(LineageEmitter emitter, CdcConfig config, CaptureSource source, List<TableRoute> routes) {
        this.emitter = emitter;
        this.engineName = ConnectorProperties.engineName(config, source);
        SourceConnection server = config.connection(source.connector());
        for (TableRoute route : routes) {
            InputDataset table = source.connector() == CdcConnector.POSTGRES
                    ? postgres(server, source.database(), route.table())
                    : mysql(server, route.table());
            this.routes.put(route, new PerRoute(route, table, outputs(route.contract(), config.bootstrapServers())));
        }
    }

    private static InputDataset postgres(SourceConnection server, String database, String schemaTable) {
        int dot = schemaTable.indexOf('.');
        return Datasets.postgresTable(server.host(), server.port(), database, schemaTable.substring(0, dot), schemaTable.substring(dot + 1));
    }

    private static InputDataset mysql(SourceConnection server, String databaseTable) {
        int dot = databaseTable.indexOf('.');
        return Datasets.mysqlTable(server.host(), server.port(), databaseTable.substring(0, dot), databaseTable.substring(dot + 1));
    }

    private static List<OutputDataset> outputs(Contract contract, String bootstrapServers) {
        OutputDataset raw = Datasets.kafkaOutput(bootstrapServers, contract.rawTopic())
                .withFacet(Facets.SCHEMA, Facets.schema(contract.avroSchema()))
                .withFacet(Facets.OWNERSHIP, Facets.ownership(contract.team()));
        return List.of(raw, Datasets.kafkaOutput(bootstrapServers, Topics.DLQ));
    }

    static String streamJob(Contract contract) {
        return "cdc." + contract.qualifiedName();
    }

    static String snapshotJob(Contract contract) {
        return streamJob(contract) + ".snapshot";
    }

    /** Starts watching the routes (lineage on only). */
    synchronized void start() {
        if (!emitter.enabled() || watcher != null) {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spine-cdc-lineage-" + engineName);
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::watch, WATCH.toMillis(), WATCH.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One change the broker acknowledged for {@code route}: on its raw topic, or ({@code deadLetter}) on the DLQ. */
    void published(TableRoute route, SourceRecord record, SourcePosition position, boolean deadLetter) {
        if (!emitter.enabled()) {
            return;
        }
        PerRoute pr = routes.get(route);
        if (pr != null) {
            pr.published(snapshotMarker(record), position.snapshot(), deadLetter);
        }
    }

    /** Debezium's {@code source.snapshot}: first, true, last, first/last_in_data_collection, incremental, false or null. */
    private static String snapshotMarker(SourceRecord record) {
        try {
            return record.value() instanceof Struct value ? value.getStruct(ChangeEvent.SOURCE).getString("snapshot") : null;
        } catch (RuntimeException noSuchField) {
            return null;
        }
    }

    private void watch() {
        try {
            boolean running = System.nanoTime() - lastRunningNanos >= emitter.config().runningInterval().toNanos();
            if (running) {
                lastRunningNanos = System.nanoTime();
            }
            double snapshotRunning = CaptureLag.snapshotAttribute(engineName, "SnapshotRunning");
            routes.values().forEach(pr -> pr.watch(running, snapshotRunning));
        } catch (RuntimeException e) {
            // Lineage never stops the capture; the next watch tries again.
            org.slf4j.LoggerFactory.getLogger(CaptureLineage.class).warn("cdc lineage watch failed engine={} error={}", engineName, e.toString());
        }
    }

    /** Ends what is still open by the routes' final states (the capture has closed them). */
    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
            try {
                watcher.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (emitter.enabled()) {
            routes.values().forEach(PerRoute::closed);
        }
    }

    /** One route's open runs and counts; the handler thread and the watcher meet here, under its lock. */
    private final class PerRoute {
        private final TableRoute route;
        private final Contract contract;
        private final InputDataset table;
        private final List<OutputDataset> outputs;
        private LineageRun stream;
        private long streamOut;
        private long streamDead;
        private LineageRun snapshot;
        private boolean incremental;
        private long snapshotOut;
        private long snapshotDead;
        private long lastSnapshotRowNanos;
        /** A stop already reported (as a failed run) while no stream run was open: once per stop. */
        private boolean stopReported;

        PerRoute(TableRoute route, InputDataset table, List<OutputDataset> outputs) {
            this.route = route;
            this.contract = route.contract();
            this.table = table;
            this.outputs = outputs;
        }

        synchronized void published(String marker, boolean snapshotRow, boolean deadLetter) {
            if (stream == null) {
                if (route.state().isStopped()) {
                    // After a stop: its FAIL run said why, and the later changes' dead letters are on spine.dlq.
                    return;
                }
                openStream();
            }
            if (snapshotRow) {
                if (snapshot == null) {
                    snapshot = emitter.begin(snapshotJob(contract), RunKind.CDC_SNAPSHOT, null, stream, List.of(table), outputs)
                            .serviceLevels(contract.slos());
                    incremental = "incremental".equals(marker);
                    snapshotOut = snapshotDead = 0;
                }
                if (deadLetter) {
                    snapshotDead++;
                } else {
                    snapshotOut++;
                }
                lastSnapshotRowNanos = System.nanoTime();
                if ("last".equals(marker) || "last_in_data_collection".equals(marker)) {
                    endSnapshot(null);
                }
                return;
            }
            if (deadLetter) {
                streamDead++;
            } else {
                streamOut++;
            }
            if (snapshot != null && !incremental) {
                // Streaming after an initial snapshot whose last row carried no end marker: the snapshot is over.
                endSnapshot(null);
            }
        }

        private void openStream() {
            if (stream == null) {
                stream = emitter.begin(streamJob(contract), RunKind.CDC_STREAM, null, List.of(table), outputs).serviceLevels(contract.slos());
                streamOut = streamDead = 0;
                stopReported = false;
            }
        }

        private RunSummary streamSummary() {
            return new RunSummary(RunKind.CDC_STREAM, streamOut + streamDead, streamOut, streamDead);
        }

        /** Completes the open snapshot, or fails it with {@code failure}. */
        private void endSnapshot(String failure) {
            RunSummary counts = new RunSummary(RunKind.CDC_SNAPSHOT, snapshotOut + snapshotDead, snapshotOut, snapshotDead);
            if (failure == null) {
                snapshot.complete(counts, List.of(table), outputs);
            } else {
                snapshot.fail(failure, counts, List.of(table), outputs);
            }
            snapshot = null;
        }

        synchronized void watch(boolean running, double engineSnapshotRunning) {
            CaptureState state = route.state();
            if (state == CaptureState.RUNNING) {
                openStream();
            }
            if (state.isStopped()) {
                stopped(state);
                return;
            }
            if (snapshot != null && engineSnapshotRunning == 0
                    && System.nanoTime() - lastSnapshotRowNanos >= SNAPSHOT_QUIET.toNanos()) {
                endSnapshot(null);
            }
            if (running && stream != null) {
                stream.running(streamSummary(), List.of(table), outputs);
            }
        }

        private void stopped(CaptureState state) {
            String reason = state == CaptureState.STOPPED ? null
                    : state + ": " + (route.stopDetail() == null ? "the capture stopped" : route.stopDetail());
            if (snapshot != null) {
                endSnapshot(reason == null ? "the capture was closed before the snapshot finished" : reason);
            }
            if (stream != null) {
                if (reason == null) {
                    stream.complete(streamSummary(), List.of(table), outputs);
                } else {
                    stream.fail(reason, streamSummary(), List.of(table), outputs);
                }
                stream = null;
                stopReported = true;
            } else if (reason != null && !stopReported) {
                // A capture that failed before it ever ran (a prerequisite, an unreachable database): still a failed run.
                emitter.begin(streamJob(contract), RunKind.CDC_STREAM, null, List.of(table), outputs).serviceLevels(contract.slos())
                        .fail(reason, new RunSummary(RunKind.CDC_STREAM, 0, 0, 0), List.of(table), outputs);
                stopReported = true;
            }
        }

        synchronized void closed() {
            CaptureState state = route.state();
            stopped(state.isStopped() ? state : CaptureState.STOPPED);
        }
    }
}
