package io.meshspine.sink.internal;

import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Lane;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Bronze rows: every raw record as it reached the raw topic, with its Kafka coordinates, key and value bytes, schema id
 * and headers, plus the payload decoded into nullable columns of the contract's schema when it decodes. For a CDC raw
 * topic the payload is the change envelope's {@code after} row ({@code before} for a delete), so Bronze columns look
 * like Silver's; {@code _op} keeps the change's op. Nothing is refused: a record that does not decode is kept with
 * null payload columns and {@code _decode_error} saying why.
 */
public final class BronzeRows {

    public static final String TOPIC = "_topic";
    public static final String PARTITION = "_partition";
    public static final String OFFSET = "_offset";
    public static final String TIMESTAMP = "_timestamp";
    public static final String KEY = "_key";
    public static final String VALUE = "_value";
    public static final String SCHEMA_ID = "_schema_id";
    public static final String HEADERS = "_headers";
    public static final String OP = "_op";
    public static final String DECODE_ERROR = "_decode_error";
    /** The UTC date of the Kafka timestamp: the partition column, and the same on every retry of a batch. */
    public static final String INGEST_DATE = "_ingest_date";

    private static final Schema NULL = Schema.create(Schema.Type.NULL);

    private final Schema schema;
    private final Schema headerSchema;
    private final Contract contract;
    private final RecordDecoder decoder;
    private final boolean cdc;
    private final int payloadStart;

    BronzeRows(Contract contract, RecordDecoder decoder, Schema schema) {
        this.contract = contract;
        this.decoder = decoder;
        this.schema = schema;
        this.headerSchema = schema.getField(HEADERS).schema().getElementType();
        this.cdc = contract.lane() == Lane.CDC;
        this.payloadStart = schema.getField(INGEST_DATE).pos() + 1;
    }

    /** What a raw record of the contract decodes as: the contract's row, or the change envelope around it. */
    static Schema payloadReader(Contract contract) {
        return contract.lane() == Lane.CDC ? ChangeEvent.envelope(contract.avroSchema()) : contract.avroSchema();
    }

    /** The Bronze row schema of a contract's raw topic. */
    public static Schema schema(Contract contract) {
        Schema bytes = Schema.create(Schema.Type.BYTES);
        Schema header = Schema.createRecord("BronzeHeader", null, "io.meshspine.bronze", false, List.of(
                new Schema.Field("key", Schema.create(Schema.Type.STRING)),
                new Schema.Field("value", optional(bytes), null, Schema.Field.NULL_DEFAULT_VALUE)));
        List<Schema.Field> fields = new ArrayList<>();
        fields.add(new Schema.Field(TOPIC, Schema.create(Schema.Type.STRING)));
        fields.add(new Schema.Field(PARTITION, Schema.create(Schema.Type.INT)));
        fields.add(new Schema.Field(OFFSET, Schema.create(Schema.Type.LONG)));
        fields.add(new Schema.Field(TIMESTAMP, LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG))));
        fields.add(new Schema.Field(KEY, optional(bytes), null, Schema.Field.NULL_DEFAULT_VALUE));
        fields.add(new Schema.Field(VALUE, optional(Schema.create(Schema.Type.BYTES)), null, Schema.Field.NULL_DEFAULT_VALUE));
        fields.add(new Schema.Field(SCHEMA_ID, optional(Schema.create(Schema.Type.LONG)), null, Schema.Field.NULL_DEFAULT_VALUE));
        fields.add(new Schema.Field(HEADERS, Schema.createArray(header)));
        fields.add(new Schema.Field(OP, optional(Schema.create(Schema.Type.STRING)), null, Schema.Field.NULL_DEFAULT_VALUE));
        fields.add(new Schema.Field(DECODE_ERROR, optional(Schema.create(Schema.Type.STRING)), null, Schema.Field.NULL_DEFAULT_VALUE));
        fields.add(new Schema.Field(INGEST_DATE, LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT))));
        for (Schema.Field f : contract.avroSchema().getFields()) {
            if (f.name().startsWith("_")) {
                throw new IllegalArgumentException("contract " + contract.qualifiedName() + ": field " + f.name()
                        + " clashes with Bronze's own columns (they start with _)");
            }
            Schema s = f.schema().getType() == Schema.Type.UNION ? f.schema() : optional(f.schema());
            fields.add(new Schema.Field(f.name(), s, f.doc(), Schema.Field.NULL_DEFAULT_VALUE));
        }
        return Schema.createRecord("BronzeRow", "Raw records of " + contract.rawTopic(), "io.meshspine.bronze", false, fields);
    }

    private static Schema optional(Schema s) {
        return Schema.createUnion(NULL, s);
    }

    GenericRecord row(ConsumerRecord<byte[], byte[]> r) {
        GenericData.Record row = new GenericData.Record(schema);
        row.put(0, r.topic());
        row.put(1, r.partition());
        row.put(2, r.offset());
        row.put(3, r.timestamp() * 1000);
        row.put(4, r.key() == null ? null : ByteBuffer.wrap(r.key()));
        row.put(5, r.value() == null ? null : ByteBuffer.wrap(r.value()));
        List<GenericRecord> headers = new ArrayList<>();
        for (Header h : r.headers()) {
            GenericData.Record hr = new GenericData.Record(headerSchema);
            hr.put(0, h.key());
            hr.put(1, h.value() == null ? null : ByteBuffer.wrap(h.value()));
            headers.add(hr);
        }
        row.put(7, headers);
        row.put(10, (int) Math.floorDiv(r.timestamp(), 86_400_000L));
        RecordDecoder.Decoded decoded = decoder.decode(r.value());
        if (decoded.schemaId() >= 0) {
            row.put(6, decoded.schemaId());
        }
        if (!decoded.ok()) {
            row.put(9, decoded.error());
            return row;
        }
        GenericRecord payload = decoded.record();
        if (cdc) {
            String op = String.valueOf(payload.get(ChangeEvent.OP));
            row.put(8, op);
            payload = (GenericRecord) (payload.get(ChangeEvent.AFTER) != null ? payload.get(ChangeEvent.AFTER) : payload.get(ChangeEvent.BEFORE));
            if (payload == null) {
                return row;
            }
        }
        Optional<String> misfit = ColumnFit.problem(payload);
        if (misfit.isPresent()) {
            row.put(9, misfit.get());
            return row;
        }
        List<Schema.Field> payloadFields = payload.getSchema().getFields();
        for (int i = 0; i < payloadFields.size(); i++) {
            row.put(payloadStart + i, payload.get(i));
        }
        return row;
    }

    Contract contract() {
        return contract;
    }
}
