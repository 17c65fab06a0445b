package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.ingest.cdc.CaptureState;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * One contract's table inside a database capture: turns the table's changes into {@link ChangeEvent} envelopes for
 * the contract's raw topic (registry wire format, keyed by the contract's business key), and holds the table's
 * state. A table whose columns the contract cannot read stops here, alone: its engine goes on for the database's
 * other tables (see {@link DatabaseCapture} for what happens to the stopped table's later changes).
 */
final class TableRoute {

    private static final Logger LOG = LoggerFactory.getLogger(TableRoute.class);
    private static final byte[] UNAVAILABLE_BYTES = ConnectorProperties.UNAVAILABLE_VALUE.getBytes(StandardCharsets.UTF_8);

    /** What the route needs of its capture: registry calls that wait out an unreachable registry. */
    interface Registry {
        long contentId(String what, String group, String artifact, Schema schema) throws InterruptedException;
    }

    private final Contract contract;
    private final CdcConnector connector;
    /** As the include list and the change's source block name it: {@code schema.table} or {@code database.table}. */
    private final String table;
    private final CdcMetrics metrics;
    private final byte[] contractMajor;

    private volatile CaptureState state = CaptureState.STARTING;
    private volatile String stopDetail;

    // Touched by the engine's handler thread only.
    private org.apache.kafka.connect.data.Schema lastColumns;
    private Writer writer;
    private long keyContentId = -1;

    /** The envelope schema and registry content id of one column layout. */
    private record Writer(RowMapping mapping, Schema envelope, long contentId) {
    }

    TableRoute(Contract contract, CdcConnector connector, String table, CdcMetrics metrics) {
        this.contract = contract;
        this.connector = connector;
        this.table = table;
        this.metrics = metrics;
        this.contractMajor = SpineHeaders.utf8(Integer.toString(contract.majorVersion()));
        metrics.stopped(contract.qualifiedName(), CdcMetrics.StopReason.INCOMPATIBLE_SCHEMA, false);
    }

    Contract contract() {
        return contract;
    }

    String table() {
        return table;
    }

    CaptureState state() {
        return state;
    }

    String stopDetail() {
        return stopDetail;
    }

    /** Whether this route still publishes to its raw topic. */
    boolean routing() {
        return !state.isStopped();
    }

    void stop(CaptureState to, CdcMetrics.StopReason reason, String detail) {
        if (state.isStopped()) {
            return;
        }
        stopDetail = detail;
        CaptureState from = state;
        state = to;
        metrics.stopped(contract.qualifiedName(), reason, true);
        LOG.error("cdc table stopped contract={} table={} state={} reason={} detail=\"{}\" from={}", contract.qualifiedName(),
                table, to, reason.label(), detail, from);
    }

    void transition(CaptureState expected, CaptureState to, String why) {
        if (state == expected) {
            state = to;
            if (to == CaptureState.RUNNING) {
                stopDetail = null;
            }
            LOG.info("cdc table state contract={} table={} from={} to={} why=\"{}\"", contract.qualifiedName(), table, expected, to, why);
        }
    }

    /** The engine stopped for a transient fault and is started again after a back-off; {@code detail} says why. */
    void retrying(String detail) {
        if (state.isStopped()) {
            return;
        }
        stopDetail = detail;
        if (state != CaptureState.RETRYING) {
            LOG.info("cdc table state contract={} table={} from={} to={} why=\"{}\"", contract.qualifiedName(), table, state,
                    CaptureState.RETRYING, detail);
            state = CaptureState.RETRYING;
        }
    }

    /** Closed on request: every route still routing becomes STOPPED. */
    void closed(String why) {
        if (!state.isStopped()) {
            CaptureState from = state;
            state = CaptureState.STOPPED;
            LOG.info("cdc table state contract={} table={} from={} to={} why=\"{}\"", contract.qualifiedName(), table, from,
                    CaptureState.STOPPED, why);
        }
    }

    ProducerRecord<byte[], byte[]> encode(Struct value, SourcePosition position, Registry registry)
            throws IncompatibleChange, InterruptedException {
        org.apache.kafka.connect.data.Schema columns = value.schema().field(ChangeEvent.AFTER).schema();
        if (columns != lastColumns) {
            writer = writerFor(columns, registry);
            lastColumns = columns;
        }
        if (keyContentId < 0) {
            keyContentId = registry.contentId("register key schema", contract.domain(),
                    ContractRegistrar.keyArtifact(contract.rawTopic()), contract.keySchema());
        }
        String op = value.getString(ChangeEvent.OP);
        Struct before = value.getStruct(ChangeEvent.BEFORE);
        Struct after = value.getStruct(ChangeEvent.AFTER);
        if (after != null) {
            fillUnavailable(after, before, position);
        }
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

    /**
     * An unchanged large (TOAST) column comes without its value in a PostgreSQL update: Debezium then puts its
     * placeholder there. With REPLICA IDENTITY FULL the old row holds the value, and Debezium fills it itself; this
     * is the lane's own guarantee that the placeholder never reaches a raw record as data: the value is taken from
     * {@code before}, and where the old row does not hold it either, the change is not published.
     */
    private void fillUnavailable(Struct after, Struct before, SourcePosition position) throws IncompatibleChange {
        for (Field f : after.schema().fields()) {
            Object v = after.get(f);
            if (!isUnavailable(v)) {
                continue;
            }
            Object old = before == null || before.schema().field(f.name()) == null ? null : before.get(f.name());
            if (old == null || isUnavailable(old)) {
                throw new IncompatibleChange(CdcMetrics.StopReason.UNAVAILABLE_VALUE, "column " + f.name() + " of " + table
                        + " arrived without its value (an unchanged TOAST value) and the old row does not hold it: set "
                        + "ALTER TABLE " + table + " REPLICA IDENTITY FULL");
            }
            after.put(f, old);
        }
    }

    private static boolean isUnavailable(Object v) {
        if (v instanceof String s) {
            return s.equals(ConnectorProperties.UNAVAILABLE_VALUE);
        }
        if (v instanceof byte[] b) {
            return Arrays.equals(b, UNAVAILABLE_BYTES);
        }
        if (v instanceof ByteBuffer b) {
            return b.remaining() == UNAVAILABLE_BYTES.length && ByteBuffer.wrap(UNAVAILABLE_BYTES).equals(b.duplicate());
        }
        if (v instanceof List<?> list) {
            return list.stream().anyMatch(TableRoute::isUnavailable);
        }
        return false;
    }

    private Writer writerFor(org.apache.kafka.connect.data.Schema columns, Registry registry) throws IncompatibleChange, InterruptedException {
        RowMapping.Derivation derivation = RowMapping.derive(table, columns, contract.avroSchema());
        if (derivation instanceof RowMapping.Incompatible incompatible) {
            throw new IncompatibleChange(CdcMetrics.StopReason.INCOMPATIBLE_SCHEMA, String.join("; ", incompatible.problems()));
        }
        RowMapping mapping = ((RowMapping.Mapped) derivation).mapping();
        Schema envelope = ChangeEvent.envelope(mapping.rowSchema());
        long contentId;
        try {
            contentId = registry.contentId("register change-event schema", contract.domain(),
                    ContractRegistrar.valueArtifact(contract.rawTopic()), envelope);
        } catch (IllegalStateException rejected) {
            throw new IncompatibleChange(CdcMetrics.StopReason.REGISTRY_REJECTED, rejected.getMessage());
        }
        LOG.info("cdc row layout contract={} table={} columns={} contentId={}", contract.qualifiedName(), table,
                mapping.rowSchema().getFields().size(), contentId);
        return new Writer(mapping, envelope, contentId);
    }
}
