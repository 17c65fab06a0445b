package io.meshspine.ingest.cdc.internal;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.StopEngineException;
import io.debezium.engine.format.ChangeEventFormat;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.CaptureSource;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.SnapshotMode;
import io.meshspine.ingest.cdc.SnapshotRequest;
import io.meshspine.ingest.cdc.SourceConnection;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One source database, captured by one Debezium embedded engine: every table the contracts bind to it, through one
 * replication slot and publication (PostgreSQL) or one binlog client (MariaDB). Each change is routed by its table
 * to the contracts bound to it ({@link TableRoute}), and written to their raw topics as {@link ChangeEvent}
 * envelopes.
 *
 * <p>Start: the database's prerequisites are checked first ({@link PostgresPrerequisites}, {@link MariaDbPrerequisites}).
 * A problem of the whole database fails every table of it; a problem of one table fails that table alone (state
 * FAILED, {@code spine_cdc_capture_stopped{reason="prerequisite"}}, the message naming table and fix), and the
 * engine captures the others.
 *
 * <p>Delivery: a batch's changes are acknowledged by the broker (idempotent producer, acks=all) before Debezium is
 * told they are processed, and only processed positions are stored in {@code spine.cdc.offsets} (one exception: a
 * database's first snapshot stores the position it began at before its first read is sent, as a resumed snapshot
 * reads every row again; and a snapshot's completion is stored before the first streamed change is sent:
 * {@link SnapshotBoundaries}). A crash therefore re-delivers, never loses; a re-delivered change carries the same
 * {@code spine.source-position}, which the gate's deduplication drops. An unreachable broker or registry is waited out with back-off, never skipped; when the
 * broker's or the database's absence stops the engine itself (Debezium's offset store, schema history or snapshot
 * failing with a timeout), the engine is started again with back-off ({@link TransientFault}, state
 * {@link CaptureState#RETRYING}, {@code spine_cdc_engine_restarts_total}). Heartbeats (and the lane's heartbeat
 * table) move the stored position while the captured tables are quiet.
 *
 * <p>Deletes: one envelope with op {@code d}, {@code before} set, {@code after} null; no tombstones
 * ({@code tombstones.on.delete=false}; the raw topic is not compacted, the gate makes the product topic's tombstone).
 *
 * <p>One table's schema change: a compatible layout becomes a new version of the raw topic's value artifact; one
 * the contract cannot absorb stops that table's routing (state {@link CaptureState#STOPPED_INCOMPATIBLE}, ERROR log
 * naming table and column, {@code spine_cdc_capture_stopped=1}), while the engine goes on for the other tables. The
 * database has one position for all its tables, so the stopped table's position cannot be held back alone: that
 * change and every later change of the table go to {@code spine.dlq} as SCHEMA dead letters holding the change as
 * JSON (id {@code cdc:<source position>}), never dropped; once the contract or table is fixed and the lane
 * restarted, {@code ./spine cdc snapshot <contract>} re-reads the table.
 *
 * <p>Record faults: a change the broker refuses for itself (too large, invalid) goes to {@code spine.dlq} as a
 * PROCESSING dead letter with the envelope's bytes as sent, and capture goes on. Only if the DLQ refuses it too
 * does the engine fail, so that nothing is ever skipped unrecorded.
 */
public final class DatabaseCapture implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCapture.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** The first wait before an engine stopped by a transient fault is started again; doubled up to the next. */
    private static final Duration FIRST_RESTART = Duration.ofSeconds(1);
    private static final Duration MAX_RESTART_BACKOFF = Duration.ofSeconds(30);
    /** The stage name dead letters of this lane carry. */
    public static final String STAGE = "cdc-lane";

    private final CdcConfig config;
    private final CaptureSource source;
    private final String engineName;
    private final Producer<byte[], byte[]> producer;
    private final RegistrySchemas registry;
    private final CdcMetrics metrics;
    private final ExecutorService thread;
    /** Routes by table as the include list names it; several contracts (major versions) may share a table. */
    private final Map<String, List<TableRoute>> routes = new LinkedHashMap<>();
    private final JsonConverter json = new JsonConverter();
    private final CaptureLag lag;
    /** Run events per contract: snapshots and streaming sessions (see {@link CaptureLineage}). */
    private final CaptureLineage lineage;
    /** PostgreSQL: rows a catch-up streaming delivered, whose resumed snapshot reads are passed over. */
    private final CatchUpKeys catchUp;
    private final ResumedSnapshotCover resumedCover;

    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    /** The current engine run's offset commit policy: periodic, and at once where the lane asks (SnapshotBoundaries). */
    private volatile OffsetFlushPolicy flushPolicy;
    /** Whether the current engine task has yet to deliver its first batch (see {@link SnapshotBoundaries}). */
    private volatile boolean taskFirstBatch;
    private volatile boolean closing;
    /** Counted down by close(): ends a back-off wait at once. */
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    /** The transient fault that stopped the current engine run, set by its completion callback. */
    private volatile Throwable engineFault;
    private long deadLetterContentId = -1;
    /** Seals dead letters of contracts with PII before they leave (issue 16); null: in clear. */
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;

    /** One change of a batch: what goes out (null for an event passed over), and where it came from. */
    private record Outgoing(RecordChangeEvent<SourceRecord> event, TableRoute route, ProducerRecord<byte[], byte[]> record,
                            SourcePosition position, String op, boolean deadLetter) {
        static Outgoing passed(RecordChangeEvent<SourceRecord> event) {
            return new Outgoing(event, null, null, null, null, false);
        }
    }

    public DatabaseCapture(CdcConfig config, CaptureSource source, List<Contract> contracts, Producer<byte[], byte[]> producer,
                           RegistrySchemas registry, CdcMetrics metrics, io.meshspine.core.lineage.LineageEmitter lineageEmitter,
                           io.meshspine.core.privacy.DeadLetterSealer sealer) {
        this.config = config;
        this.sealer = sealer;
        this.source = source;
        this.engineName = ConnectorProperties.engineName(config, source);
        this.producer = producer;
        this.registry = registry;
        this.metrics = metrics;
        for (Contract c : contracts) {
            String table = ConnectorProperties.qualifiedTable(config, c);
            routes.computeIfAbsent(table, t -> new ArrayList<>()).add(new TableRoute(c, source.connector(), table, metrics));
        }
        json.configure(Map.of("schemas.enable", "false", "decimal.format", "NUMERIC"), false);
        this.lineage = new CaptureLineage(lineageEmitter, config, source, routes());
        this.lag = new CaptureLag(config, source, metrics);
        this.catchUp = new CatchUpKeys(engineName);
        this.resumedCover = new ResumedSnapshotCover(engineName);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spine-cdc-" + source.connector().configValue() + "-" + source.database());
            t.setDaemon(true);
            return t;
        });
    }

    public CaptureSource source() {
        return source;
    }

    /** Each contract's state, in the order the contracts came. */
    public Map<String, CaptureState> states() {
        Map<String, CaptureState> states = new LinkedHashMap<>();
        routes().forEach(r -> states.put(r.contract().qualifiedName(), r.state()));
        return states;
    }

    /** Every contract's route, in the order the contracts came. */
    List<TableRoute> routes() {
        return routes.values().stream().flatMap(List::stream).toList();
    }

    public Optional<CaptureState> state(String contract) {
        return route(contract).map(TableRoute::state);
    }

    public Optional<String> stopDetail(String contract) {
        return route(contract).map(TableRoute::stopDetail);
    }

    private Optional<TableRoute> route(String contract) {
        return routes().stream().filter(r -> r.contract().qualifiedName().equals(contract)).findFirst();
    }

    public void start() {
        LOG.info("cdc capture starting engine={} source={} tables={}", engineName, source, routes.keySet());
        lineage.start();
        thread.execute(this::run);
    }

    /**
     * Runs the engine; when it stops for a transient fault ({@link TransientFault}: the broker or the database not
     * answering, at start, during a snapshot or while streaming) it is started again after a back-off of 1 s doubling
     * to 30 s, for as long as the fault lasts, the tables {@link CaptureState#RETRYING} meanwhile. It resumes from its
     * stored position, so nothing is skipped. Any other failure stops the capture ({@link CaptureState#FAILED}).
     */
    private void run() {
        long backoff = FIRST_RESTART.toMillis();
        while (!closing) {
            long started = System.nanoTime();
            Optional<Throwable> fault = runOnce();
            if (fault.isEmpty() || closing) {
                return;
            }
            if (Duration.ofNanos(System.nanoTime() - started).compareTo(MAX_RESTART_BACKOFF) > 0) {
                // It ran a while before this fault: a new outage, not the same one going on.
                backoff = FIRST_RESTART.toMillis();
            }
            String cause = TransientFault.describe(fault.get());
            String detail = "transient fault, engine restarts in " + backoff + " ms: " + cause;
            routes().forEach(r -> r.retrying(detail));
            LOG.warn("cdc engine stopped by a transient fault engine={} source={} restartInMs={} cause=\"{}\"", engineName, source,
                    backoff, cause);
            try {
                if (closed.await(backoff, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(backoff * 2, MAX_RESTART_BACKOFF.toMillis());
            metrics.restarted(source.toString());
            LOG.info("cdc engine restarting engine={} source={}", engineName, source);
        }
    }

    /** One run of the engine, until it stops: the transient fault that stopped it, if that is what did. */
    private Optional<Throwable> runOnce() {
        List<String> tables;
        try {
            tables = checkPrerequisites();
        } catch (SQLException e) {
            Optional<Throwable> fault = TransientFault.of(e);
            if (fault.isEmpty()) {
                failAll(CdcMetrics.StopReason.FAILED, "cannot check " + source + " at " + server().host() + ":" + server().port()
                        + " as " + server().user() + ": " + e.getMessage());
            }
            return fault;
        }
        if (tables.isEmpty()) {
            return Optional.empty();
        }
        if (!BrokerProbe.answers(config.clientProperties())) {
            // Debezium's offset store would wait out its clients' 60 s timeouts before failing (and lose the cause):
            // an outage at start is seen within the probe's few seconds instead, and the tables show it as RETRYING.
            return Optional.of(brokerSilent("the engine did not start"));
        }
        engineFault = null;
        flushPolicy = new OffsetFlushPolicy(config.offsetFlushInterval());
        DebeziumEngine<RecordChangeEvent<SourceRecord>> built = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(ConnectorProperties.of(config, source, tables))
                .using(flushPolicy)
                .notifying(this::handleBatch)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        routes().forEach(r -> {
                            r.transition(CaptureState.STARTING, CaptureState.RUNNING, "task started");
                            r.transition(CaptureState.RETRYING, CaptureState.RUNNING, "task started again");
                        });
                        lag.start();
                    }
                })
                .using(this::completed)
                .build();
        engine = built;
        if (closing) {
            return Optional.empty();
        }
        catchUp.taskStarting();
        taskFirstBatch = true;
        resumedCover.taskStarting(source.connector() == CdcConnector.MARIADB ? binlogEnd() : null);
        ResumingInitialSnapshotter.forget(engineName);
        // The engine calls completed(...) before run() returns.
        built.run();
        return Optional.ofNullable(engineFault);
    }

    /** MariaDB's binlog end before an engine task starts (see ResumedSnapshotCover); null when it cannot be read. */
    private ResumedSnapshotCover.BinlogEnd binlogEnd() {
        try (Connection c = server().connect("mariadb", source.database())) {
            return ResumedSnapshotCover.BinlogEnd.read(c);
        } catch (SQLException e) {
            LOG.warn("cdc cannot read the binlog end engine={} ({}): after a resumed snapshot, a row changed while the lane was down "
                    + "comes as its read and as its streamed change", engineName, e.getMessage());
            return null;
        }
    }

    private SourceConnection server() {
        return config.connection(source.connector());
    }

    /** The tables that may be captured; the others' routes are failed with the reason. */
    private List<String> checkPrerequisites() throws SQLException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        routes.forEach((table, rs) -> keys.put(table, rs.get(0).contract().keys()));
        boolean postgres = source.connector() == CdcConnector.POSTGRES;
        try (Connection c = server().connect(postgres ? "postgresql" : "mariadb", source.database())) {
            List<Prerequisite> problems;
            if (postgres) {
                problems = PostgresPrerequisites.check(c, server(), source, keys, ConnectorProperties.slotName(config, source));
            } else {
                LOG.info("cdc source gtid engine={} {}", engineName, MariaDbPrerequisites.gtidMode(c));
                problems = MariaDbPrerequisites.check(c, server(), source, keys);
            }
            List<String> databaseWide = problems.stream().filter(p -> p.table().isEmpty()).map(Prerequisite::message).toList();
            if (!databaseWide.isEmpty()) {
                failAll(CdcMetrics.StopReason.PREREQUISITE, String.join("; ", databaseWide));
                return List.of();
            }
            List<String> capturable = new ArrayList<>();
            routes.forEach((table, rs) -> {
                String why = problems.stream().filter(p -> p.table().orElseThrow().equals(table)).map(Prerequisite::message)
                        .collect(Collectors.joining("; "));
                if (why.isEmpty()) {
                    capturable.add(table);
                } else {
                    rs.forEach(r -> r.stop(CaptureState.FAILED, CdcMetrics.StopReason.PREREQUISITE, why));
                }
            });
            snapshotNewTables(c, capturable);
            return capturable;
        }
    }

    /**
     * A table new to a database the lane already captures (a contract added for it) is snapshotted alone, by an
     * incremental snapshot asked through the signal table, while the others go on streaming from their position. On
     * the database's first capture the engine's initial snapshot covers every table.
     */
    private void snapshotNewTables(Connection c, List<String> capturable) throws SQLException {
        List<String> enrolled = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name FROM " + LaneTables.enrolled(source))) {
            while (rs.next()) {
                enrolled.add(rs.getString(1));
            }
        }
        List<String> added = capturable.stream().filter(t -> !enrolled.contains(t)).toList();
        if (added.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + LaneTables.enrolled(source) + " (table_name, enrolled_at) VALUES (?, ?)")) {
            for (String table : added) {
                ps.setString(1, table);
                ps.setTimestamp(2, Timestamp.from(Instant.now()));
                ps.executeUpdate();
            }
        }
        if (!enrolled.isEmpty() && config.snapshotMode() != SnapshotMode.NO_DATA) {
            String id = new SnapshotRequest(source, added, Optional.empty()).send(c);
            LOG.info("cdc new tables engine={} tables={} snapshot=incremental signal={}", engineName, added, id);
        }
    }

    private void failAll(CdcMetrics.StopReason reason, String detail) {
        routes().forEach(r -> r.stop(CaptureState.FAILED, reason, detail));
    }

    private static boolean isRecordFault(Throwable failure) {
        return failure instanceof RecordTooLargeException || failure instanceof InvalidRecordException;
    }

    /** The table of a change as the include list names it: {@code schema.table} (PostgreSQL) or {@code database.table}. */
    private String tableOf(Struct sourceBlock) {
        String table = sourceBlock.getString("table");
        return source.connector() == CdcConnector.POSTGRES ? sourceBlock.getString("schema") + "." + table
                : sourceBlock.getString("db") + "." + table;
    }

    private void handleBatch(List<RecordChangeEvent<SourceRecord>> events,
                             DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<Outgoing> out = new ArrayList<>(events.size());
        if (!events.isEmpty()) {
            lag.received();
            if (taskFirstBatch) {
                taskFirstBatch = false;
                if (ResumingInitialSnapshotter.firstCapture(engineName) && SnapshotBoundaries.opensRunningSnapshot(events.get(0).record())) {
                    // Marked processed before it is sent: a snapshot offset says where the snapshot began (SnapshotBoundaries).
                    committer.markProcessed(events.get(0));
                    flushNow(committer);
                    LOG.info("cdc first snapshot's position stored before its first read is published engine={} source={}", engineName, source);
                }
            }
        }
        // The batch's snapshot-ending read, if it holds one (SnapshotBoundaries): its completion is stored before what follows.
        RecordChangeEvent<SourceRecord> snapshotEnd = null;
        for (RecordChangeEvent<SourceRecord> event : events) {
            SourceRecord record = event.record();
            if (!(record.value() instanceof Struct value) || value.schema().field(ChangeEvent.OP) == null) {
                // A tombstone (switched off, see the class doc) or a heartbeat: nothing to publish, the position moves on.
                out.add(Outgoing.passed(event));
                continue;
            }
            Struct sourceBlock = value.getStruct(ChangeEvent.SOURCE);
            String op = value.getString(ChangeEvent.OP);
            String snapshot = sourceBlock.getString("snapshot");
            if (SnapshotBoundaries.endsSnapshot(op, snapshot)) {
                snapshotEnd = event;
            }
            String table = tableOf(sourceBlock);
            List<TableRoute> bound = routes.get(table);
            if (bound == null) {
                // The lane's own tables (heartbeat, signals): their changes are how the lane moves and asks, not data.
                out.add(Outgoing.passed(event));
                continue;
            }
            if (source.connector() == CdcConnector.POSTGRES && catchUp.passOver(
                    () -> ResumingInitialSnapshotter.resumesInterruptedSnapshot(engineName), table, record.key(), op, snapshot)) {
                // A resumed snapshot's read of a row its catch-up streaming delivered, with the same state at a newer
                // position: read again at the stored position it would be a second identity for the gate (CatchUpKeys).
                out.add(Outgoing.passed(event));
                continue;
            }
            if (source.connector() == CdcConnector.MARIADB && resumedCover.passOver(
                    () -> ResumingInitialSnapshotter.resumesInterruptedSnapshot(engineName), table, record.key(), op, snapshot,
                    sourceBlock.getString("file"), sourceBlock.getInt64("pos"))) {
                // A change a resumed snapshot's reads already hold: streamed too, it would be a second identity for the
                // gate (ResumedSnapshotCover).
                out.add(Outgoing.passed(event));
                continue;
            }
            SourcePosition position = SourcePosition.of(source.connector(), sourceBlock);
            lag.observed(position);
            for (TableRoute route : bound) {
                out.add(outgoing(event, route, value, position));
            }
        }
        int streamingFrom = snapshotEnd == null ? -1 : after(out, snapshotEnd);
        if (streamingFrom < 0) {
            publish(out, committer);
        } else {
            publish(out.subList(0, streamingFrom), committer);
            flushNow(committer);
            LOG.info("cdc snapshot's completion stored before the first streamed change is published engine={} source={}", engineName, source);
            publish(out.subList(streamingFrom, out.size()), committer);
        }
        committer.markBatchFinished();
    }

    /** Stores the offsets of what is marked processed so far, now (OffsetFlushPolicy). */
    private void flushNow(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        flushPolicy.requestFlush();
        committer.markBatchFinished();
    }

    /** The index just after the event's last outgoing entry (one per route it feeds). */
    private static int after(List<Outgoing> out, RecordChangeEvent<SourceRecord> event) {
        for (int i = out.size() - 1; i >= 0; i--) {
            if (out.get(i).event() == event) {
                return i + 1;
            }
        }
        throw new IllegalStateException("the snapshot-ending change is not in its batch");
    }

    private Outgoing outgoing(RecordChangeEvent<SourceRecord> event, TableRoute route, Struct value, SourcePosition position)
            throws InterruptedException {
        String op = value.getString(ChangeEvent.OP);
        if (route.routing()) {
            try {
                return new Outgoing(event, route, route.encode(value, position, this::registered), position, op, false);
            } catch (IncompatibleChange e) {
                route.stop(CaptureState.STOPPED_INCOMPATIBLE, e.reason, e.getMessage() + " (at " + position.header() + ")");
            }
        }
        return new Outgoing(event, route, stoppedTableDeadLetter(event.record(), route, position, op), position, op, true);
    }

    /**
     * A change of a table whose routing stopped: it cannot become the contract's envelope, and the database's
     * position moves on for the other tables, so it is kept on the DLQ as Debezium's change rendered as JSON.
     */
    private ProducerRecord<byte[], byte[]> stoppedTableDeadLetter(SourceRecord record, TableRoute route, SourcePosition position, String op)
            throws InterruptedException {
        Contract contract = route.contract();
        byte[] key = record.key() == null ? null : json.fromConnectData(contract.rawTopic(), record.keySchema(), record.key());
        byte[] value = json.fromConnectData(contract.rawTopic(), record.valueSchema(), record.value());
        RecordHeaders headers = new RecordHeaders();
        headers.add(SpineHeaders.SOURCE, SpineHeaders.utf8("cdc"));
        headers.add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(position.header()));
        headers.add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(SpineHeaders.newCorrelationId()));
        headers.add(SpineHeaders.CONTRACT_VERSION, SpineHeaders.utf8(Integer.toString(contract.majorVersion())));
        String message = "the capture of " + route.table() + " for " + contract.qualifiedName() + " stopped: " + route.stopDetail()
                + "; this change (" + op + ") is kept here as Debezium's JSON: after fixing the contract or the table, restart "
                + "the lane and run ./spine cdc snapshot " + contract.id();
        return deadLetter(route, new ProducerRecord<>(contract.rawTopic(), null, null, key, value, headers), position, op,
                origin -> DeadLetter.schemaMismatch(origin, message));
    }

    /**
     * The refused change as a dead letter: the key, value and headers exactly as sent to the raw topic. Logged by ids
     * and sizes only; the row may hold PII.
     */
    private Outgoing refusedDeadLetter(Outgoing refused, Throwable failure) throws InterruptedException {
        String position = refused.position().header();
        String table = refused.route().table();
        String raw = refused.route().contract().rawTopic();
        LOG.warn("cdc change dead-lettered contract={} table={} position={} op={} valueBytes={} cause={}",
                refused.route().contract().qualifiedName(), table, position, refused.op(),
                refused.record().value() == null ? 0 : refused.record().value().length, failure.getClass().getSimpleName());
        ProducerRecord<byte[], byte[]> letter = deadLetter(refused.route(), refused.record(), refused.position(), refused.op(),
                origin -> DeadLetter.processingFailure(origin, "the broker refused the change of " + table + " at " + position
                        + " for the raw topic " + raw + ": " + failure.getClass().getSimpleName() + ": " + failure.getMessage()));
        return new Outgoing(refused.event(), refused.route(), letter, refused.position(), refused.op(), true);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(TableRoute route, ProducerRecord<byte[], byte[]> sent, SourcePosition position,
                                                      String op, java.util.function.Function<DeadLetter.Origin, DeadLetter> failure)
            throws InterruptedException {
        if (deadLetterContentId < 0) {
            deadLetterContentId = retrying("register dead-letter schema", () -> DeadLetterCodec.contentId(registry));
        }
        Contract contract = route.contract();
        List<OriginalRecord.Header> headers = new ArrayList<>();
        sent.headers().forEach(h -> headers.add(new OriginalRecord.Header(h.key(), h.value())));
        Instant now = Instant.now();
        // Never offered a raw-topic offset: the raw topic is where a repaired change belongs.
        OriginalRecord original = new OriginalRecord(contract.rawTopic(), null, null, now.toEpochMilli(), sent.key(), sent.value(), headers);
        Header correlation = sent.headers().lastHeader(SpineHeaders.CORRELATION_ID);
        DeadLetter.Origin origin = new DeadLetter.Origin(STAGE, original, contract.qualifiedName(), contract.version(),
                correlation == null ? SpineHeaders.newCorrelationId() : SpineHeaders.string(correlation.value()),
                0, now, Map.of("table", route.table(), "source_position", position.header(), "op", op));
        DeadLetter d = failure.apply(origin).withId("cdc:" + position.header() + (routes.get(route.table()).size() > 1
                ? ":" + contract.qualifiedName() : ""));
        if (sealer != null) {
            // The change holds the row's PII in clear: sealed under its subject's key (the domain's for Debezium's JSON).
            // A key store that cannot be written fails the batch like a refused send: nothing is marked processed.
            d = sealer.seal(d);
        }
        byte[] envelope = WireFormat.encode(deadLetterContentId, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d));
        // The DLQ record's key is the envelope's original key: sealed too when the contract's key holds PII.
        return new ProducerRecord<>(Topics.DLQ, null, null, d.original().key(), envelope, sent.headers());
    }

    /**
     * Sends in order and waits for every acknowledgement; a transient failure resends from the first unacknowledged
     * change (a change acknowledged after it may then appear twice, with the same source position), a permanent one
     * fails the engine. Only acknowledged changes are marked processed.
     */
    private void publish(List<Outgoing> out, DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        int from = 0;
        long backoff = 100;
        while (from < out.size()) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(out.size() - from);
            for (int i = from; i < out.size(); i++) {
                ProducerRecord<byte[], byte[]> r = out.get(i).record();
                acks.add(r == null ? null : producer.send(r));
            }
            int failedAt = -1;
            Throwable failure = null;
            for (int i = 0; i < acks.size(); i++) {
                if (acks.get(i) == null) {
                    continue;
                }
                try {
                    acks.get(i).get();
                } catch (ExecutionException e) {
                    if (failedAt < 0) {
                        failedAt = i;
                        failure = e.getCause();
                    }
                }
            }
            int done = failedAt < 0 ? acks.size() : failedAt;
            long ackMillis = System.currentTimeMillis();
            for (int i = from; i < from + done; i++) {
                Outgoing o = out.get(i);
                // One event may feed several routes (contracts sharing a table): mark it once, after its last route.
                if (i + 1 >= out.size() || out.get(i + 1).event() != o.event()) {
                    committer.markProcessed(o.event());
                }
                if (o.record() == null) {
                    continue;
                }
                lineage.published(o.route(), o.event().record(), o.position(), o.deadLetter());
                String contract = o.route().contract().qualifiedName();
                if (o.deadLetter()) {
                    metrics.deadLettered(contract);
                } else {
                    metrics.captured(contract, o.op(), 1);
                    if (!o.position().snapshot() && o.position().commitMillis() != null) {
                        metrics.latency(contract, o.position().commitMillis(), ackMillis);
                    }
                }
            }
            if (failedAt < 0) {
                return;
            }
            Outgoing refused = out.get(from + failedAt);
            if (isRecordFault(failure) && !refused.deadLetter()) {
                out.set(from + failedAt, refusedDeadLetter(refused, failure));
                from += failedAt;
                continue;
            }
            if (!(failure instanceof RetriableException)) {
                String detail = refused.deadLetter() ? "the DLQ refused the dead letter of a change of " + refused.route().table()
                        + " at " + refused.position().header() + ": " + failure
                        : "the broker refused a change of " + refused.route().table() + ": " + failure;
                failAll(CdcMetrics.StopReason.FAILED, detail);
                throw new StopEngineException("capture of " + source + " failed: " + failure);
            }
            from += failedAt;
            LOG.warn("cdc publish retry engine={} pending={} backoffMs={} cause={}", engineName, out.size() - from, backoff,
                    failure.toString());
            backoff = pause(backoff);
        }
    }

    private long registered(String what, String group, String artifact, org.apache.avro.Schema schema) throws InterruptedException {
        return retrying(what, () -> registry.contentIdFor(group, artifact, schema));
    }

    /** Retries a registry call while the registry is unreachable; a refusal is the caller's to judge. */
    private <T> T retrying(String what, java.util.function.Supplier<T> call) throws InterruptedException {
        long backoff = 100;
        while (true) {
            try {
                return call.get();
            } catch (RegistryUnavailableException e) {
                LOG.warn("cdc registry unavailable engine={} action=\"{}\" backoffMs={} cause={}", engineName, what, backoff, e.getMessage());
                backoff = pause(backoff);
            }
        }
    }

    private long pause(long backoffMillis) throws InterruptedException {
        if (closing) {
            throw new StopEngineException("capture of " + source + " closing while waiting");
        }
        TimeUnit.MILLISECONDS.sleep(backoffMillis);
        return Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
    }

    private void completed(boolean success, String message, Throwable error) {
        if (closing || success) {
            routes().forEach(r -> r.closed(closing ? "closed" : message));
            return;
        }
        Optional<Throwable> fault = error == null ? Optional.empty() : TransientFault.of(error);
        if (fault.isEmpty() && !(error instanceof StopEngineException) && !BrokerProbe.answers(config.clientProperties())) {
            // The engine may have lost the outage's own exception (BrokerProbe says how): the broker's silence is the cause.
            fault = Optional.of(brokerSilent("engine failure: " + (error == null ? message : TransientFault.describe(error))));
        }
        if (fault.isPresent() && routes().stream().anyMatch(TableRoute::routing)) {
            engineFault = fault.get();
            return;
        }
        failAll(CdcMetrics.StopReason.FAILED, message + (error == null ? "" : ": " + error));
    }

    private org.apache.kafka.common.errors.TimeoutException brokerSilent(String what) {
        return new org.apache.kafka.common.errors.TimeoutException("the broker " + config.bootstrapServers() + " does not answer (" + what + ")");
    }

    /** Stops the engine cleanly: positions of published changes are stored before it returns. */
    @Override
    public void close() {
        closing = true;
        closed.countDown();
        lag.close();
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (IllegalStateException alreadyStopped) {
                // The engine stopped itself (a failure): nothing left to close.
            } catch (Exception ex) {
                LOG.warn("cdc engine close failed engine={} cause={}", engineName, ex.toString());
            }
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("cdc engine did not stop in 30 s engine={}", engineName);
                thread.shutdownNow();
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        routes().forEach(r -> r.closed("closed"));
        ResumingInitialSnapshotter.forget(engineName);
        lineage.close();
    }
}
