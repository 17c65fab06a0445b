package io.meshspine.core.deadletter;

import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterCodecTest {

    private static final byte[] SECRET_VALUE = "account 062-000 1234 5678".getBytes(StandardCharsets.UTF_8);

    private static DeadLetter.Origin origin() {
        OriginalRecord original = new OriginalRecord("raw.payments.transactions", 3, 42L, 1_700_000_000_000L,
                new byte[]{0, 0, 0, 0, 7, 2, 'k'}, SECRET_VALUE,
                List.of(new OriginalRecord.Header("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8)),
                        new OriginalRecord.Header("empty", null), new OriginalRecord.Header("traceparent", new byte[0])));
        return new DeadLetter.Origin("gate", original, "payments.transactions.v1", "1.0.0", "corr-1", 2,
                Instant.ofEpochMilli(1_700_000_001_000L), Map.of("file", "drop.csv"));
    }

    @Test
    void a_dead_letter_survives_avro_binary_byte_for_byte() throws Exception {
        DeadLetter letter = DeadLetter.ruleViolations(origin(), List.of(
                new RuleViolation("amount-in-range", Severity.ERROR, "amount", "amount must be > 0"),
                new RuleViolation("currency-iso-4217", Severity.ERROR, "currency", "not an allowed value")));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(DeadLetterCodec.SCHEMA).write(DeadLetterCodec.toAvro(letter), encoder);
        encoder.flush();
        GenericRecord read = new GenericDatumReader<GenericRecord>(DeadLetterCodec.SCHEMA)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        DeadLetter back = DeadLetterCodec.fromAvro(read);

        assertThat(back).isEqualTo(letter);
        assertThat(back.original().value()).isEqualTo(SECRET_VALUE);
        assertThat(back.original().headers()).hasSize(3);
        assertThat(back.failureType()).isEqualTo(FailureType.RULE);
        assertThat(back.ruleIds()).containsExactly("amount-in-range", "currency-iso-4217");
        assertThat(back.id()).isEqualTo("raw.payments.transactions/3/42");
    }

    @Test
    void a_dead_letter_never_prints_its_payload() {
        DeadLetter letter = DeadLetter.processingFailure(origin(), new IllegalStateException("boom"));

        assertThat(letter.toString()).doesNotContain("062-000").contains("boom").contains("PROCESSING");
    }
    @Test
    void a_sealed_dead_letter_keeps_its_key_id_and_subject_hmac_and_an_envelope_of_the_older_schema_reads_as_in_clear() throws Exception {
        DeadLetter clear = DeadLetter.undecodable(origin(), "no magic byte");
        DeadLetter sealed = clear.withOriginal(clear.original(), new Sealing("00112233445566778899aabbccddeeff", "ab".repeat(32), true));

        DeadLetter back = DeadLetterCodec.fromAvro(roundTrip(DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(sealed), DeadLetterCodec.SCHEMA));
        assertThat(back).isEqualTo(sealed);
        assertThat(back.sealing().keySealed()).isTrue();

        // Written before the field existed: read with today's schema, it is a dead letter in clear.
        org.apache.avro.Schema older = org.apache.avro.SchemaBuilder.record("DeadLetter").namespace("io.meshspine.envelope").fields()
                .endRecord();
        java.util.List<org.apache.avro.Schema.Field> fields = new java.util.ArrayList<>();
        DeadLetterCodec.SCHEMA.getFields().stream().filter(f -> !f.name().equals("sealed"))
                .forEach(f -> fields.add(new org.apache.avro.Schema.Field(f, f.schema())));
        older = org.apache.avro.Schema.createRecord(older.getName(), null, older.getNamespace(), false, fields);
        GenericRecord asOlder = new org.apache.avro.generic.GenericData.Record(older);
        GenericRecord today = DeadLetterCodec.toAvro(clear);
        for (org.apache.avro.Schema.Field f : older.getFields()) {
            asOlder.put(f.name(), today.get(f.name()));
        }
        DeadLetter old = DeadLetterCodec.fromAvro(roundTrip(older, asOlder, DeadLetterCodec.SCHEMA));
        assertThat(old).isEqualTo(clear);
        assertThat(old.sealed()).isFalse();
    }

    private static GenericRecord roundTrip(org.apache.avro.Schema writer, GenericRecord record, org.apache.avro.Schema reader) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(writer, reader).read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }
}
