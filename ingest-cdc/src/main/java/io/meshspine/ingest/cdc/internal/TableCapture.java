package io.meshspine.ingest.cdc.internal;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.StopEngineException;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.embedded.Connect;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcConfig;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One contract's table, captured by its own Debezium embedded engine and written to the contract's raw topic as
 * {@link ChangeEvent} envelopes in the registry wire format, keyed by the contract's business key.
 *
 * <p>Delivery: a batch's changes are acknowledged by the broker (idempotent producer, acks=all) before Debezium is
 * told they are processed, and only processed positions are stored in {@code spine.cdc.offsets}. A crash therefore
 * re-delivers, never loses; a re-delivered change carries the same {@code spine.source-position}, which the gate's
 * deduplication drops. An unreachable broker or registry is waited out with back-off, never skipped.
 *
 * <p>Deletes: one envelope with op {@code d}, {@code before} set, {@code after} null. Debezium's extra Kafka
 * tombstone is switched off ({@code tombstones.on.delete=false}) and any null-valued record is passed over
 * deliberately: the raw topic is not compacted, so a tombstone there would only be a record the gate cannot judge
 * (no contract version, no source position); the gate turns the {@code d} envelope into the product topic's
 * tombstone, where compaction needs it.
 *
 * <p>Schema changes: each new column layout is mapped again ({@link RowMapping}). A compatible layout becomes a new
 * version of the raw topic's value artifact; an incompatible one stops this capture (state
 * {@link CaptureState#STOPPED_INCOMPATIBLE}, ERROR log naming table and column, {@code spine_cdc_capture_stopped}
 * = 1). The changes before it are published and their positions stored; the incompatible change and everything after
 * it are neither published nor marked, so a restart after the contract or the table is fixed resumes exactly there.
 *
 * <p>Record faults: a change the broker refuses for itself (too large for the raw topic, an invalid record) is not a
 * reason to stop the table. It goes to {@code spine.dlq} as a PROCESSING dead letter with the envelope's bytes as
 * they were sent, id {@code cdc:<source position>}, and the capture goes on. Only if the DLQ refuses it too does the
 * capture fail, so that nothing is ever skipped unrecorded.
 */
public final class TableCapture implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TableCapture.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** The stage name dead letters of this lane carry. */
    public static final String STAGE = "cdc-lane";

    private final Contract contract;
    private final CdcConnector connector;
    private final String table;
    private final Producer<byte[], byte[]> producer;
    private final RegistrySchemas registry;
    private final CdcMetrics metrics;
    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final ExecutorService thread;
    private final byte[] contractMajor;

    private volatile CaptureState state = CaptureState.STARTING;
    private volatile String stopDetail;
    private volatile boolean closing;

    // Touched by the engine's handler thread only.
    private org.apache.kafka.connect.data.Schema lastColumns;
    private Writer writer;
    private long keyContentId = -1;
    private long deadLetterContentId = -1;

    /** The envelope schema and registry content id of one column layout. */
    private record Writer(RowMapping mapping, Schema envelope, long contentId) {
    }

    private static final class IncompatibleChange extends Exception {
        final CdcMetrics.StopReason reason;

        IncompatibleChange(CdcMetrics.StopReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    public TableCapture(CdcConfig config, Contract contract, Producer<byte[], byte[]> producer, RegistrySchemas registry,
                        CdcMetrics metrics) {
        this.contract = contract;
        this.connector = ConnectorProperties.binding(contract).connector();
        this.table = connector == CdcConnector.POSTGRES
                ? config.database(contract) + "." + ConnectorProperties.qualifiedTable(config, contract)
                : ConnectorProperties.qualifiedTable(config, contract);
        this.producer = producer;
        this.registry = registry;
        this.metrics = metrics;
        this.contractMajor = SpineHeaders.utf8(Integer.toString(contract.majorVersion()));
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(ConnectorProperties.of(config, contract))
                .notifying(this::handleBatch)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        transition(CaptureState.STARTING, CaptureState.RUNNING, "task started");
                    }
                })
                .using((success, message, error) -> completed(success, message, error))
                .build();
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spine-cdc-" + contract.id());
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        LOG.info("cdc capture starting contract={} table={} topic={}", contract.qualifiedName(), table, contract.rawTopic());
        metrics.stopped(contract.qualifiedName(), CdcMetrics.StopReason.INCOMPATIBLE_SCHEMA, false);
        thread.execute(engine);
    }

    public Contract contract() {
        return contract;
    }

    public CaptureState state() {
        return state;
    }

    /** Why the capture stopped (incompatibility or failure), or null while it runs. */
    public String stopDetail() {
        return stopDetail;
    }

    /** One change of a batch: what goes to the raw topic (null for an event passed over), and where it came from. */
    private record Outgoing(RecordChangeEvent<SourceRecord> event, ProducerRecord<byte[], byte[]> record,
                            SourcePosition position, String op, boolean deadLetter) {
        Outgoing(RecordChangeEvent<SourceRecord> event, ProducerRecord<byte[], byte[]> record, SourcePosition position, String op) {
            this(event, record, position, op, false);
        }
    }

    /** Failures of one record that another record would not share: dead-letter it, do not stop the table. */
    private static boolean isRecordFault(Throwable failure) {
        return failure instanceof RecordTooLargeException || failure instanceof InvalidRecordException;
    }

    private void handleBatch(List<RecordChangeEvent<SourceRecord>> events,
                             DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<Outgoing> out = new ArrayList<>(events.size());
        IncompatibleChange incompatible = null;
        SourcePosition incompatibleAt = null;
        for (RecordChangeEvent<SourceRecord> event : events) {
            SourceRecord record = event.record();
            if (!(record.value() instanceof Struct value) || value.schema().field(ChangeEvent.OP) == null) {
                // A tombstone (switched off, see the class doc) or a non-change event (heartbeat): nothing to publish.
                out.add(new Outgoing(event, null, null, null));
                continue;
            }
            SourcePosition position = SourcePosition.of(connector, value.getStruct(ChangeEvent.SOURCE));
            try {
                out.add(new Outgoing(event, encode(value, position), position, value.getString(ChangeEvent.OP)));
            } catch (IncompatibleChange e) {
                incompatible = e;
                incompatibleAt = position;
                break;
            }
        }
        publish(out, committer);
        committer.markBatchFinished();
        if (incompatible != null) {
            stop(CaptureState.STOPPED_INCOMPATIBLE, incompatible.reason, incompatible.getMessage() + " (at " + incompatibleAt.header() + ")");
            throw new StopEngineException("capture of " + contract.qualifiedName() + " stopped: " + incompatible.getMessage());
        }
    }

    private ProducerRecord<byte[], byte[]> encode(Struct value, SourcePosition position) throws IncompatibleChange, InterruptedException {
        org.apache.kafka.connect.data.Schema columns = value.schema().field(ChangeEvent.AFTER).schema();
        if (columns != lastColumns) {
            writer = writerFor(columns);
            lastColumns = columns;
        }
        if (keyContentId < 0) {
            keyContentId = retrying("register key schema", () -> registry.contentIdFor(contract.domain(),
                    ContractRegistrar.keyArtifact(contract.rawTopic()), contract.keySchema()));
        }
        String op = value.getString(ChangeEvent.OP);
        Struct before = value.getStruct(ChangeEvent.BEFORE);
        Struct after = value.getStruct(ChangeEvent.AFTER);
        GenericRecord beforeRow = before == null ? null : writer.mapping().toAvro(before);
        GenericRecord afterRow = after == null ? null : writer.mapping().toAvro(after);

        Schema envelope = writer.envelope();
        Schema sourceSchema = envelope.getField(ChangeEvent.SOURCE).schema();
        GenericData.Record source = new GenericData.Record(sourceSchema);
        source.put(ChangeEvent.SOURCE_CONNECTOR, connector.configValue());
        source.put(ChangeEvent.SOURCE_DATABASE, position.database());
        source.put(ChangeEvent.SOURCE_TABLE, position.table());
        source.put(ChangeEvent.SOURCE_POSITION, position.position());
        source.put(ChangeEvent.SOURCE_TX_ID, position.txId());
        source.put(ChangeEvent.SOURCE_COMMIT_TIME, position.commitMillis());
        source.put(ChangeEvent.SOURCE_SNAPSHOT, position.snapshot());
        GenericData.Record change = new GenericData.Record(envelope);
        change.put(ChangeEvent.OP, op);
        change.put(ChangeEvent.BEFORE, beforeRow);
        change.put(ChangeEvent.AFTER, afterRow);
        change.put(ChangeEvent.SOURCE, source);
        Instant now = Instant.now();
        change.put(ChangeEvent.CAPTURED_AT, now.getEpochSecond() * 1_000_000L + now.getNano() / 1000);

        GenericRecord keyRow = afterRow != null ? afterRow : beforeRow;
        Schema keySchema = contract.keySchema();
        GenericData.Record key = new GenericData.Record(keySchema);
        for (Schema.Field f : keySchema.getFields()) {
            key.put(f.pos(), keyRow.get(f.name()));
        }

        RecordHeaders headers = new RecordHeaders();
        headers.add(SpineHeaders.SOURCE, SpineHeaders.utf8("cdc"));
        headers.add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(position.header()));
        headers.add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(UUID.randomUUID().toString()));
        headers.add(SpineHeaders.CONTRACT_VERSION, contractMajor);
        return new ProducerRecord<>(contract.rawTopic(), null, null, WireFormat.encode(keyContentId, keySchema, key),
                WireFormat.encode(writer.contentId(), envelope, change), headers);
    }

    private Writer writerFor(org.apache.kafka.connect.data.Schema columns) throws IncompatibleChange, InterruptedException {
        RowMapping.Derivation derivation = RowMapping.derive(table, columns, contract.avroSchema());
        if (derivation instanceof RowMapping.Incompatible incompatible) {
            throw new IncompatibleChange(CdcMetrics.StopReason.INCOMPATIBLE_SCHEMA, String.join("; ", incompatible.problems()));
        }
        RowMapping mapping = ((RowMapping.Mapped) derivation).mapping();
        Schema envelope = ChangeEvent.envelope(mapping.rowSchema());
        long contentId;
        try {
            contentId = retrying("register change-event schema", () -> registry.contentIdFor(contract.domain(),
                    ContractRegistrar.valueArtifact(contract.rawTopic()), envelope));
        } catch (IllegalStateException rejected) {
            throw new IncompatibleChange(CdcMetrics.StopReason.REGISTRY_REJECTED, rejected.getMessage());
        }
        LOG.info("cdc row layout contract={} table={} columns={} contentId={}", contract.qualifiedName(), table,
                mapping.rowSchema().getFields().size(), contentId);
        return new Writer(mapping, envelope, contentId);
    }

    /**
     * Sends in order and waits for every acknowledgement; a transient failure resends from the first unacknowledged
     * change (a change acknowledged after it may then appear twice, with the same source position), a permanent one
     * fails the capture. Only acknowledged changes are marked processed.
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
                committer.markProcessed(o.event());
                if (o.deadLetter()) {
                    metrics.deadLettered(contract.qualifiedName());
                } else if (o.record() != null) {
                    metrics.captured(contract.qualifiedName(), o.op(), 1);
                    if (!o.position().snapshot() && o.position().commitMillis() != null) {
                        metrics.latency(contract.qualifiedName(), o.position().commitMillis(), ackMillis);
                    }
                }
            }
            if (failedAt < 0) {
                return;
            }
            Outgoing refused = out.get(from + failedAt);
            if (isRecordFault(failure) && !refused.deadLetter()) {
                out.set(from + failedAt, deadLettered(refused, failure));
                from += failedAt;
                continue;
            }
            if (!(failure instanceof RetriableException)) {
                String detail = refused.deadLetter() ? "the DLQ refused the dead letter of a change of " + table + " at "
                        + refused.position().header() + ": " + failure : "the broker refused a change of " + table + ": " + failure;
                stop(CaptureState.FAILED, CdcMetrics.StopReason.FAILED, detail);
                throw new StopEngineException("capture of " + contract.qualifiedName() + " failed: " + failure);
            }
            from += failedAt;
            LOG.warn("cdc publish retry contract={} topic={} pending={} backoffMs={} cause={}", contract.qualifiedName(),
                    contract.rawTopic(), out.size() - from, backoff, failure.toString());
            backoff = pause(backoff);
        }
    }

    /**
     * The refused change as a dead letter: the key, value and headers exactly as sent to the raw topic. Logged by ids
     * and sizes only; the row may hold PII.
     */
    private Outgoing deadLettered(Outgoing refused, Throwable failure) throws InterruptedException {
        if (deadLetterContentId < 0) {
            deadLetterContentId = retrying("register dead-letter schema", () -> DeadLetterCodec.contentId(registry));
        }
        ProducerRecord<byte[], byte[]> sent = refused.record();
        List<OriginalRecord.Header> headers = new ArrayList<>();
        sent.headers().forEach(h -> headers.add(new OriginalRecord.Header(h.key(), h.value())));
        Instant now = Instant.now();
        // Never offered a raw-topic offset: the raw topic is where a repaired change belongs.
        OriginalRecord original = new OriginalRecord(contract.rawTopic(), null, null, now.toEpochMilli(), sent.key(), sent.value(), headers);
        String position = refused.position().header();
        org.apache.kafka.common.header.Header correlation = sent.headers().lastHeader(SpineHeaders.CORRELATION_ID);
        DeadLetter.Origin origin = new DeadLetter.Origin(STAGE, original, contract.qualifiedName(), contract.version(),
                correlation == null ? SpineHeaders.newCorrelationId() : SpineHeaders.string(correlation.value()),
                0, now, Map.of("table", table, "source_position", position, "op", refused.op()));
        DeadLetter d = DeadLetter.processingFailure(origin, "the broker refused the change of " + table + " at " + position
                + " for the raw topic " + contract.rawTopic() + ": " + failure.getClass().getSimpleName() + ": " + failure.getMessage())
                .withId("cdc:" + position);
        byte[] envelope = WireFormat.encode(deadLetterContentId, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d));
        LOG.warn("cdc change dead-lettered contract={} table={} position={} op={} valueBytes={} cause={}", contract.qualifiedName(),
                table, position, refused.op(), sent.value() == null ? 0 : sent.value().length, failure.getClass().getSimpleName());
        return new Outgoing(refused.event(), new ProducerRecord<>(Topics.DLQ, null, null, sent.key(), envelope, sent.headers()),
                refused.position(), refused.op(), true);
    }

    /** Retries a registry call while the registry is unreachable; a refusal is the caller's to judge. */
    private <T> T retrying(String what, Supplier<T> call) throws InterruptedException {
        long backoff = 100;
        while (true) {
            try {
                return call.get();
            } catch (RegistryUnavailableException e) {
                LOG.warn("cdc registry unavailable contract={} action=\"{}\" backoffMs={} cause={}", contract.qualifiedName(),
                        what, backoff, e.getMessage());
                backoff = pause(backoff);
            }
        }
    }

    private long pause(long backoffMillis) throws InterruptedException {
        if (closing) {
            throw new StopEngineException("capture of " + contract.qualifiedName() + " closing while waiting");
        }
        TimeUnit.MILLISECONDS.sleep(backoffMillis);
        return Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
    }

    private void stop(CaptureState to, CdcMetrics.StopReason reason, String detail) {
        stopDetail = detail;
        CaptureState from = state;
        state = to;
        metrics.stopped(contract.qualifiedName(), reason, true);
        LOG.error("cdc capture stopped contract={} table={} state={} reason={} detail=\"{}\" from={}", contract.qualifiedName(),
                table, to, reason.label(), detail, from);
    }

    private void transition(CaptureState expected, CaptureState to, String why) {
        if (state == expected) {
            state = to;
            LOG.info("cdc capture state contract={} table={} from={} to={} why=\"{}\"", contract.qualifiedName(), table, expected, to, why);
        }
    }

    private void completed(boolean success, String message, Throwable error) {
        if (state.isStopped()) {
            return;
        }
        if (closing || success) {
            CaptureState from = state;
            state = CaptureState.STOPPED;
            LOG.info("cdc capture state contract={} table={} from={} to={} why=\"{}\"", contract.qualifiedName(), table, from,
                    CaptureState.STOPPED, closing ? "closed" : message);
            return;
        }
        stop(CaptureState.FAILED, CdcMetrics.StopReason.FAILED, message + (error == null ? "" : ": " + error));
    }

    /** Stops the engine cleanly: positions of published changes are stored before it returns. */
    @Override
    public void close() {
        closing = true;
        try {
            engine.close();
        } catch (IllegalStateException alreadyStopped) {
            // The engine stopped itself (incompatible change, failure): nothing left to close.
        } catch (Exception e) {
            LOG.warn("cdc engine close failed contract={} cause={}", contract.qualifiedName(), e.toString());
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("cdc engine did not stop in 30 s contract={}", contract.qualifiedName());
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!state.isStopped()) {
            state = CaptureState.STOPPED;
        }
    }
}
