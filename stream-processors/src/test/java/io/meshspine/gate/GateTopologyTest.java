package io.meshspine.gate;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.internal.PiiMasker;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Every routing decision of the gate, driven with TopologyTestDriver and explicit timestamps against the real registry. */
@ExtendWith(SpineExtension.class)
class GateTopologyTest {

    private static final Instant NOW = Instant.parse("2026-03-02T09:30:00Z");
    private static final byte[] HASH_KEY = "0123456789abcdef-test-only-key".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path state;

    private Contract payments;
    private SamplePayments samples;
    private RegistrySchemas registry;
    private long writerId;
    private TopologyTestDriver driver;
    /** The gate's own clock: starts at NOW, moved by tests that let time pass. */
    private final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(NOW.toEpochMilli());
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<byte[], byte[]> product;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void start(SpineTestKit kit) {
        start(kit, 1_000_000, ProductTransform.NONE);
    }

    void start(SpineTestKit kit, int maxBytes, ProductTransform transform) {
        payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "ttd");
        samples = new SamplePayments(payments.avroSchema());
        registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        start(kit, payments, maxBytes, transform);
    }

    void start(SpineTestKit kit, Contract contract, int maxBytes, ProductTransform transform) {
        if (driver != null) {
            driver.close();
        }
        GateConfig config = GateSettings.parse(java.util.Map.of("registry.url", kit.registryUrl(), "privacy.encrypt-dead-letters", "false", "gate.hash-key",
                new String(HASH_KEY, StandardCharsets.UTF_8), "gate.state-dir", state.toString(),
                "gate.max-product-record-bytes", Integer.toString(maxBytes)));
        ContractCatalog catalog = ContractCatalog.of(List.of(contract));
        var runtime = ContractGateService.runtime(config, catalog, GateMetrics.discarding(), transform, clock::get);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gate-ttd");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(GateTopology.buildTopology(config, catalog, runtime), props);
        raw = driver.createInputTopic(contract.rawTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        product = driver.createOutputTopic(contract.productTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(Topics.DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void a_valid_payment_reaches_its_product_topic_masked_and_keyed_by_its_business_key() throws Exception {
        GenericRecord payment = samples.valid(1, NOW.minusSeconds(60));
        pipe(encode(payment), new RecordHeaders().add(SpineHeaders.TRACEPARENT, "00-trace-01".getBytes(StandardCharsets.UTF_8)));

        List<TestRecord<byte[], byte[]>> out = product.readRecordsToList();
        assertThat(out).hasSize(1);
        GenericRecord written = decode(out.get(0).value(), payments.avroSchema());
        assertThat(written.get("transaction_id").toString()).isEqualTo(payment.get("transaction_id").toString());
        assertThat(written.get("amount")).isEqualTo(payment.get("amount"));
        String hashedCustomer = hmac(payment.get("customer_id").toString());
        assertThat(written.get("customer_id").toString()).isEqualTo(hashedCustomer).isNotEqualTo(payment.get("customer_id").toString());
        assertThat(written.get("account_number").toString()).isEqualTo(hmac(payment.get("account_number").toString()));
        GenericRecord key = decode(out.get(0).key(), payments.keySchema());
        assertThat(key.get("transaction_id").toString()).isEqualTo(payment.get("transaction_id").toString());
        assertThat(header(out.get(0), SpineHeaders.CONTRACT)).isEqualTo(payments.qualifiedName());
        assertThat(header(out.get(0), SpineHeaders.CONTRACT_VERSION)).isEqualTo(payments.version());
        assertThat(header(out.get(0), SpineHeaders.CORRELATION_ID)).isNotBlank();
        assertThat(header(out.get(0), SpineHeaders.TRACEPARENT)).isEqualTo("00-trace-01");
        assertThat(out.get(0).timestamp()).isEqualTo(NOW.toEpochMilli() - 1000);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void a_redelivered_payment_is_dropped_as_a_duplicate() throws Exception {
        byte[] value = encode(samples.valid(2, NOW.minusSeconds(60)));
        pipe(value, new RecordHeaders());
        pipe(value, new RecordHeaders());
        pipe(encode(samples.valid(3, NOW.minusSeconds(60))), new RecordHeaders());

        assertThat(product.readRecordsToList()).hasSize(2);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void a_null_an_empty_and_a_non_wire_format_value_are_deserialization_dead_letters_with_their_original_bytes() throws Exception {
        pipe(null, new RecordHeaders());
        pipe(new byte[0], new RecordHeaders());
        byte[] garbage = "{\"json\":\"not avro\"}".getBytes(StandardCharsets.UTF_8);
        pipe(garbage, new RecordHeaders().add(SpineHeaders.CORRELATION_ID, "corr-7".getBytes(StandardCharsets.UTF_8)));

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).extracting(DeadLetter::failureType).containsOnly(FailureType.DESERIALIZATION).hasSize(3);
        assertThat(letters.get(0).message()).contains("null value");
        assertThat(letters.get(1).message()).contains("empty value");
        assertThat(letters.get(2).original().value()).isEqualTo(garbage);
        assertThat(letters.get(2).original().key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
        assertThat(letters.get(2).correlationId()).isEqualTo("corr-7");
        assertThat(letters.get(2).original().headers()).extracting(h -> h.key()).containsExactly(SpineHeaders.CORRELATION_ID);
        assertThat(letters.get(2).contract()).isEqualTo(payments.qualifiedName());
        assertThat(letters.get(2).id()).isEqualTo(payments.rawTopic() + "/0/2");
        assertThat(product.isEmpty()).isTrue();
    }

    @Test
    void an_unknown_schema_id_is_a_deserialization_dead_letter_naming_the_id() throws Exception {
        byte[] value = WireFormat.encode(987_654, payments.avroSchema(), samples.valid(4, NOW));

        pipe(value, new RecordHeaders());

        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.DESERIALIZATION);
        assertThat(letter.message()).contains("987654");
        assertThat(letter.original().value()).isEqualTo(value);
    }

    @Test
    void a_writer_schema_the_contract_cannot_read_and_a_missing_business_key_are_schema_dead_letters() throws Exception {
        // The contract's schema, but amount written as a boolean.
        List<Schema.Field> fields = payments.avroSchema().getFields().stream()
                .map(f -> new Schema.Field(f.name(), f.name().equals("amount") ? Schema.create(Schema.Type.BOOLEAN) : f.schema(), f.doc(), f.defaultVal()))
                .toList();
        Schema wrongType = Schema.createRecord(payments.avroSchema().getName(), null, payments.avroSchema().getNamespace(), false, fields);
        GenericRecord valid = samples.valid(11, NOW.minusSeconds(60));
        GenericRecord r = new GenericData.Record(wrongType);
        wrongType.getFields().forEach(f -> r.put(f.name(), valid.get(f.name())));
        r.put("amount", true);
        long wrongId = registry.contentIdFor(payments.domain(), "ttd-wrong-" + System.nanoTime(), wrongType);
        pipe(WireFormat.encode(wrongId, wrongType, r), new RecordHeaders());

        Schema noKey = SchemaBuilder.record(payments.avroSchema().getName()).namespace(payments.avroSchema().getNamespace())
                .fields().requiredString("account_number").endRecord();
        GenericRecord k = new GenericData.Record(noKey);
        k.put("account_number", "062-000 1");
        long noKeyId = registry.contentIdFor(payments.domain(), "ttd-nokey-" + System.nanoTime(), noKey);
        pipe(WireFormat.encode(noKeyId, noKey, k), new RecordHeaders());

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).extracting(DeadLetter::failureType).containsExactly(FailureType.SCHEMA, FailureType.SCHEMA);
        assertThat(letters.get(0).message()).contains("TYPE_MISMATCH").contains("/fields/3");
        assertThat(letters.get(1).message()).contains("transaction_id");
        assertThat(product.isEmpty()).isTrue();
    }

    @Test
    void a_payment_breaking_several_rules_is_one_rule_dead_letter_naming_every_rule() throws Exception {
        GenericRecord bad = samples.valid(5, NOW.minusSeconds(60));
        bad.put("amount", SamplePayments.money("0.00"));
        bad.put("currency", "XXX");
        bad.put("occurred_at", (NOW.toEpochMilli() + Duration.ofHours(1).toMillis()) * 1000);

        pipe(encode(bad), new RecordHeaders());

        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.RULE);
        assertThat(letter.ruleIds()).containsExactlyInAnyOrder("amount-in-range", "currency-iso-4217", "occurred-at-not-in-future");
        assertThat(letter.message()).doesNotContain(bad.get("account_number").toString());
        assertThat(product.isEmpty()).isTrue();
    }

    @Test
    void a_payment_breaking_only_warn_rules_passes_with_a_header_naming_them() throws Exception {
        GenericRecord odd = samples.valid(6, NOW.minusSeconds(60));
        odd.put("channel", "CARRIER_PIGEON");

        pipe(encode(odd), new RecordHeaders());

        TestRecord<byte[], byte[]> out = product.readRecord();
        assertThat(header(out, SpineHeaders.WARNINGS)).isEqualTo("channel-known");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void a_record_too_large_only_once_its_headers_are_counted_is_a_processing_dead_letter(SpineTestKit kit) throws Exception {
        start(kit, 1024, ProductTransform.NONE);
        byte[] value = encode(samples.valid(8, NOW.minusSeconds(60)));
        assertThat(value.length).isLessThan(512);

        pipe(value, new RecordHeaders().add(SpineHeaders.TRACEPARENT, "t".repeat(900).getBytes(StandardCharsets.UTF_8)));

        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.PROCESSING);
        assertThat(letter.message()).contains("key, value and headers").contains("exceeds the limit of 1024 bytes");
        assertThat(product.isEmpty()).isTrue();
    }

    @Test
    void a_record_too_large_for_the_product_topic_is_a_processing_dead_letter(SpineTestKit kit) throws Exception {
        start(kit, 1024, ProductTransform.NONE);
        GenericRecord big = samples.valid(7, NOW.minusSeconds(60));
        big.put("merchant_name", "M".repeat(2000));

        pipe(encode(big), new RecordHeaders());

        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.PROCESSING);
        assertThat(letter.message()).contains("exceeds the limit of 1024 bytes");
        assertThat(product.isEmpty()).isTrue();
    }

    @Test
    void an_exception_inside_processing_is_a_processing_dead_letter_and_the_next_record_still_passes(SpineTestKit kit) throws Exception {
        start(kit, 1_000_000, (contract, record) -> {
            if ("ATM".equals(String.valueOf(record.get("channel")))) {
                throw new IllegalArgumentException("enrichment failed");
            }
            return record;
        });
        GenericRecord atm = samples.valid(8, NOW.minusSeconds(60));
        atm.put("channel", "ATM");
        GenericRecord card = samples.valid(9, NOW.minusSeconds(60));
        card.put("channel", "CARD");

        pipe(encode(atm), new RecordHeaders());
        pipe(encode(card), new RecordHeaders());

        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.PROCESSING);
        assertThat(letter.message()).contains("IllegalArgumentException").contains("enrichment failed");
        assertThat(product.readRecordsToList()).hasSize(1);
    }

    @Test
    void a_record_aimed_at_a_major_version_without_a_contract_is_a_schema_dead_letter() throws Exception {
        pipe(encode(samples.valid(10, NOW.minusSeconds(60))),
                new RecordHeaders().add(SpineHeaders.CONTRACT_VERSION, "9".getBytes(StandardCharsets.UTF_8)));

        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.SCHEMA);
        assertThat(letter.message()).contains("major version 9");
    }

    @Test
    void a_captured_insert_passes_as_its_after_row_masked_and_a_delete_becomes_a_product_tombstone(SpineTestKit kit) throws Exception {
        Contract customers = startCustomers(kit);
        Schema envelope = ChangeEvent.envelope(customers.avroSchema());
        long envelopeId = registry.contentIdFor(customers.domain(), ContractRegistrar.valueArtifact(customers.rawTopic()), envelope);
        GenericRecord row = customer(customers.avroSchema(), "C-1", "Ada@Example.com");

        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "c", null, row, "0/16B3748")), new RecordHeaders());
        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "d", row, null, "0/16B3900")), new RecordHeaders());

        List<TestRecord<byte[], byte[]>> out = product.readRecordsToList();
        assertThat(out).hasSize(2);
        GenericRecord inserted = decode(out.get(0).value(), customers.avroSchema());
        assertThat(inserted.get("customer_id").toString()).isEqualTo(hmac("C-1"));
        assertThat(inserted.get("email").toString()).isEqualTo(hmac("Ada@Example.com"));
        assertThat(header(out.get(0), ChangeEvent.OP_HEADER)).isEqualTo("c");
        assertThat(out.get(1).value()).isNull();
        assertThat(decode(out.get(1).key(), customers.keySchema()).get("customer_id").toString()).isEqualTo(hmac("C-1"));
        assertThat(header(out.get(1), ChangeEvent.OP_HEADER)).isEqualTo("d");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void a_resumed_snapshots_read_at_the_stored_position_is_a_repeat_only_when_it_reads_the_same_row(SpineTestKit kit) throws Exception {
        Contract customers = startCustomers(kit);
        Schema envelope = ChangeEvent.envelope(customers.avroSchema());
        long envelopeId = registry.contentIdFor(customers.domain(), ContractRegistrar.valueArtifact(customers.rawTopic()), envelope);
        // Every read of a snapshot carries the position the snapshot started at; a snapshot resumed after a crash reads
        // again at that stored position, so the row read is what tells a repeat from a row changed while the lane was down.
        String stored = "postgres:crm:24075416";
        GenericRecord before = customer(customers.avroSchema(), "C-1", "Ada@Example.com");
        GenericRecord changed = customer(customers.avroSchema(), "C-1", "Ada.Byron@Example.com");
        GenericRecord other = customer(customers.avroSchema(), "C-2", "Charles@Example.com");

        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "r", null, before, stored)), position(stored));
        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "r", null, other, stored)), position(stored));
        // The resumed snapshot: C-2 unchanged (a repeat, dropped), C-1 changed meanwhile (its new state, passed).
        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "r", null, other, stored)), position(stored));
        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "r", null, changed, stored)), position(stored));
        // And a read of the changed row delivered again after another crash: a repeat.
        pipe(WireFormat.encode(envelopeId, envelope, change(envelope, "r", null, changed, stored)), position(stored));

        List<String> emails = new java.util.ArrayList<>();
        for (TestRecord<byte[], byte[]> r : product.readRecordsToList()) {
            emails.add(decode(r.value(), customers.avroSchema()).get("email").toString());
        }
        assertThat(emails).containsExactly(hmac("Ada@Example.com"), hmac("Charles@Example.com"), hmac("Ada.Byron@Example.com"));
        assertThat(dlq.isEmpty()).isTrue();
    }

    private static org.apache.kafka.common.header.Headers position(String position) {
        return new RecordHeaders().add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(position));
    }

    @Test
    void a_table_that_gained_a_nullable_column_still_passes_and_one_that_lost_a_required_column_is_a_schema_dead_letter(SpineTestKit kit) throws Exception {
        Contract customers = startCustomers(kit);
        Schema contractRow = customers.avroSchema();
        List<Schema.Field> widened = new java.util.ArrayList<>(copyFields(contractRow, f -> true));
        widened.add(new Schema.Field("loyalty_tier", Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                null, Schema.Field.NULL_DEFAULT_VALUE));
        Schema wider = Schema.createRecord(contractRow.getName(), null, contractRow.getNamespace(), false, widened);
        Schema narrower = Schema.createRecord(contractRow.getName(), null, contractRow.getNamespace(), false,
                copyFields(contractRow, f -> !f.name().equals("last_name")));
        Schema widerEnvelope = ChangeEvent.envelope(wider);
        Schema narrowerEnvelope = ChangeEvent.envelope(narrower);
        long widerId = registry.contentIdFor(customers.domain(), "ttd-wider-" + System.nanoTime(), widerEnvelope);
        long narrowerId = registry.contentIdFor(customers.domain(), "ttd-narrower-" + System.nanoTime(), narrowerEnvelope);
        GenericRecord full = customer(contractRow, "C-2", "bo@example.com");
        GenericRecord widerRow = new GenericData.Record(wider);
        wider.getFields().forEach(f -> widerRow.put(f.name(), contractRow.getField(f.name()) == null ? "GOLD" : full.get(f.name())));
        GenericRecord narrowerRow = new GenericData.Record(narrower);
        narrower.getFields().forEach(f -> narrowerRow.put(f.name(), full.get(f.name())));

        pipe(WireFormat.encode(widerId, widerEnvelope, change(widerEnvelope, "u", null, widerRow, "0/1")), new RecordHeaders());
        pipe(WireFormat.encode(narrowerId, narrowerEnvelope, change(narrowerEnvelope, "u", null, narrowerRow, "0/2")), new RecordHeaders());

        TestRecord<byte[], byte[]> passed = product.readRecord();
        assertThat(decode(passed.value(), contractRow).get("customer_id").toString()).isEqualTo(hmac("C-2"));
        assertThat(product.isEmpty()).isTrue();
        DeadLetter letter = single(deadLetters());
        assertThat(letter.failureType()).isEqualTo(FailureType.SCHEMA);
        assertThat(letter.message()).contains("last_name");
    }

    private Contract startCustomers(SpineTestKit kit) {
        Contract customers = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("crm.customers", 1).orElseThrow(), "ttdcdc");
        registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        start(kit, customers, 1_000_000, ProductTransform.NONE);
        return customers;
    }

    private static List<Schema.Field> copyFields(Schema schema, java.util.function.Predicate<Schema.Field> keep) {
        return schema.getFields().stream().filter(keep)
                .map(f -> new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal())).toList();
    }

    private static GenericRecord customer(Schema schema, String id, String email) {
        GenericRecord row = new GenericData.Record(schema);
        long micros = NOW.minus(Duration.ofDays(30)).toEpochMilli() * 1000;
        row.put("customer_id", id);
        row.put("first_name", "Ada");
        row.put("last_name", "Lovelace");
        row.put("email", email);
        row.put("state", "NSW");
        row.put("postcode", "2000");
        row.put("created_at", micros);
        row.put("updated_at", micros);
        return row;
    }

    private static GenericRecord change(Schema envelope, String op, GenericRecord before, GenericRecord after, String lsn) {
        GenericRecord source = new GenericData.Record(envelope.getField(ChangeEvent.SOURCE).schema());
        source.put(ChangeEvent.SOURCE_CONNECTOR, "postgres");
        source.put(ChangeEvent.SOURCE_DATABASE, "crm");
        source.put(ChangeEvent.SOURCE_TABLE, "public.customers");
        source.put(ChangeEvent.SOURCE_POSITION, lsn);
        source.put(ChangeEvent.SOURCE_SNAPSHOT, false);
        GenericRecord change = new GenericData.Record(envelope);
        change.put(ChangeEvent.OP, op);
        change.put(ChangeEvent.BEFORE, before);
        change.put(ChangeEvent.AFTER, after);
        change.put(ChangeEvent.SOURCE, source);
        change.put(ChangeEvent.CAPTURED_AT, NOW.toEpochMilli() * 1000);
        return change;
    }

    private void pipe(byte[] value, org.apache.kafka.common.header.Headers headers) {
        raw.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), value, headers, NOW.minusSeconds(1)));
    }

    private byte[] encode(GenericRecord record) {
        return WireFormat.encode(writerId, payments.avroSchema(), record);
    }

    private List<DeadLetter> deadLetters() throws Exception {
        List<DeadLetter> letters = new java.util.ArrayList<>();
        for (TestRecord<byte[], byte[]> r : dlq.readRecordsToList()) {
            letters.add(DeadLetterCodec.fromAvro(decode(r.value(), DeadLetterCodec.SCHEMA)));
        }
        return letters;
    }

    private static DeadLetter single(List<DeadLetter> letters) {
        assertThat(letters).hasSize(1);
        return letters.get(0);
    }

    private GenericRecord decode(byte[] wire, Schema schema) throws Exception {
        long id = WireFormat.schemaId(wire).orElseThrow();
        Schema writer = registry.byContentId(id);
        return new GenericDatumReader<GenericRecord>(writer, schema)
                .read(null, DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null));
    }

    private static String header(TestRecord<byte[], byte[]> record, String key) {
        var h = record.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String hmac(String value) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(HASH_KEY, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }
}
