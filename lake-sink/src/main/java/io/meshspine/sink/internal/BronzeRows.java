package io.meshspine.sink.internal;

import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Lane;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import io.meshspine.core.privacy.DataKey;
import io.meshspine.core.privacy.KeyScope;
import io.meshspine.core.privacy.SubjectCipher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 *
 * <p>With Bronze encryption on and a contract that has PII, the row is kept unreadable without its data subject's key
 * (issue 16): each PII column holds the Avro binary encoding of its value, encrypted ({@link Ciphertext} format, a
 * binary column); {@code _value} holds the raw bytes encrypted; {@code _key} too when a key field is PII; and
 * {@code _key_id} names the data key of the row. The key is the subject's (the contract's subject field, read from
 * the decoded payload) or, when no subject can be read (undecodable bytes, a null subject, a contract without one),
 * the domain's. Non-PII columns stay readable for operators.
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
    /** The data key id of an encrypted row (its PII columns, {@code _value} and maybe {@code _key}); absent in clear tables. */
    public static final String KEY_ID = "_key_id";

    private static final Schema NULL = Schema.create(Schema.Type.NULL);

    private final Schema schema;
    private final Schema headerSchema;
    private final Contract contract;
    private final RecordDecoder decoder;
    private final boolean cdc;
    private final int payloadStart;
    /** Null when the table is in clear. */
    private final SubjectCipher cipher;
    private final boolean[] piiPositions;
    private final List<DatumWriter<Object>> piiWriters;
    private final int subjectPos;
    private final boolean keyHasPii;
    private final int keyIdPos;
    private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(64);
    private BinaryEncoder encoder;

    BronzeRows(Contract contract, RecordDecoder decoder, Schema schema, SubjectCipher cipher) {
        this.contract = contract;
        this.decoder = decoder;
        this.schema = schema;
        this.headerSchema = schema.getField(HEADERS).schema().getElementType();
        this.cdc = contract.lane() == Lane.CDC;
        this.payloadStart = schema.getField(INGEST_DATE).pos() + 1;
        this.cipher = encrypts(contract, cipher != null) ? cipher : null;
        List<Schema.Field> fields = contract.avroSchema().getFields();
        this.piiPositions = new boolean[fields.size()];
        List<DatumWriter<Object>> writers = new ArrayList<>();
        for (Schema.Field f : fields) {
            piiPositions[f.pos()] = contract.piiField(f.name()).isPresent();
            writers.add(new GenericDatumWriter<>(f.schema()));
        }
        this.piiWriters = writers;
        this.subjectPos = contract.subject().field().map(n -> contract.avroSchema().getField(n).pos()).orElse(-1);
        this.keyHasPii = contract.keys().stream().anyMatch(k -> contract.piiField(k).isPresent());
        this.keyIdPos = this.cipher == null ? -1 : schema.getField(KEY_ID).pos();
    }

    /** Whether a contract's Bronze table is encrypted: encryption is on and the contract has personal data. */
    public static boolean encrypts(Contract contract, boolean encryptionOn) {
        return encryptionOn && !contract.pii().isEmpty();
    }

    /** What a raw record of the contract decodes as: the contract's row, or the change envelope around it. */
    static Schema payloadReader(Contract contract) {
        return contract.lane() == Lane.CDC ? ChangeEvent.envelope(contract.avroSchema()) : contract.avroSchema();
    }

    /** The Bronze row schema of a contract's raw topic, in clear. */
    public static Schema schema(Contract contract) {
        return schema(contract, false);
    }

    /** The Bronze row schema; when {@code encrypted}, PII columns are binary ciphertext and {@code _key_id} is added. */
    public static Schema schema(Contract contract, boolean encrypted) {
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
            if (encrypted && contract.piiField(f.name()).isPresent()) {
                s = optional(bytes);
            }
            fields.add(new Schema.Field(f.name(), s, f.doc(), Schema.Field.NULL_DEFAULT_VALUE));
        }
        if (encrypted) {
            fields.add(new Schema.Field(KEY_ID, optional(Schema.create(Schema.Type.STRING)), null, Schema.Field.NULL_DEFAULT_VALUE));
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
        GenericRecord payload = null;
        if (!decoded.ok()) {
            row.put(9, decoded.error());
        } else {
            payload = decoded.record();
            if (cdc) {
                String op = String.valueOf(payload.get(ChangeEvent.OP));
                row.put(8, op);
                payload = (GenericRecord) (payload.get(ChangeEvent.AFTER) != null ? payload.get(ChangeEvent.AFTER) : payload.get(ChangeEvent.BEFORE));
            }
            if (payload != null) {
                Optional<String> misfit = ColumnFit.problem(payload);
                if (misfit.isPresent()) {
                    row.put(9, misfit.get());
                    payload = null;
                }
            }
        }
        if (cipher == null) {
            row.put(4, r.key() == null ? null : ByteBuffer.wrap(r.key()));
            row.put(5, r.value() == null ? null : ByteBuffer.wrap(r.value()));
            if (payload != null) {
                List<Schema.Field> payloadFields = payload.getSchema().getFields();
                for (int i = 0; i < payloadFields.size(); i++) {
                    row.put(payloadStart + i, payload.get(i));
                }
            }
            return row;
        }
        Object subject = payload == null || subjectPos < 0 ? null : payload.get(subjectPos);
        DataKey key = cipher.keyFor(subject == null ? KeyScope.domain(contract.domain()) : KeyScope.subject(contract.domain(), subject.toString()));
        row.put(keyIdPos, key.keyId());
        row.put(4, r.key() == null ? null : ByteBuffer.wrap(keyHasPii ? cipher.encrypt(key, r.key()) : r.key()));
        row.put(5, r.value() == null ? null : ByteBuffer.wrap(cipher.encrypt(key, r.value())));
        if (payload != null) {
            List<Schema.Field> payloadFields = payload.getSchema().getFields();
            for (int i = 0; i < payloadFields.size(); i++) {
                Object value = payload.get(i);
                row.put(payloadStart + i, piiPositions[i] && value != null ? ByteBuffer.wrap(cipher.encrypt(key, avroBinary(i, value))) : value);
            }
        }
        return row;
    }

    /** A PII value as the Avro binary encoding of its field's schema: what its ciphertext decrypts to. */
    private byte[] avroBinary(int field, Object value) {
        scratch.reset();
        encoder = EncoderFactory.get().binaryEncoder(scratch, encoder);
        try {
            piiWriters.get(field).write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return scratch.toByteArray();
    }

    Contract contract() {
        return contract;
    }
}
