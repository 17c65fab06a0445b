package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./spine tail} as consumers, stewards and source teams run it, against the real broker and registry. */
@ExtendWith(SpineExtension.class)
class TailCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant OCCURRED = Instant.parse("2026-03-01T10:15:30.123456Z");
    private static final long PRODUCED_AT = Instant.parse("2026-03-01T10:15:31Z").toEpochMilli();

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    /** The payments contract in a domain of its own, with its raw and product topics created and its schemas registered. */
    private record Payments(Contract contract, ContractCatalog catalog, SamplePayments samples, long valueId, long keyId) {

        static Payments provision(SpineTestKit kit) {
            Contract payments = ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow();
            Contract contract = ContractFixtures.inFreshDomain(payments, "tail");
            kit.createTopic(contract.rawTopic(), 1);
            kit.createTopic(contract.productTopic(), 1);
            RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
            long valueId = schemas.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.productTopic()), contract.avroSchema());
            long keyId = schemas.contentIdFor(contract.domain(), ContractRegistrar.keyArtifact(contract.productTopic()), contract.keySchema());
            return new Payments(contract, ContractCatalog.of(List.of(contract)), new SamplePayments(contract.avroSchema()), valueId, keyId);
        }

        GenericRecord record(long sequence) {
            return samples.valid(sequence, OCCURRED);
        }

        byte[] value(GenericRecord record) {
            return WireFormat.encode(valueId, contract.avroSchema(), record);
        }

        byte[] key(GenericRecord record) {
            GenericData.Record key = new GenericData.Record(contract.keySchema());
            key.put("transaction_id", record.get("transaction_id"));
            return WireFormat.encode(keyId, contract.keySchema(), key);
        }

        ProducerRecord<byte[], byte[]> producerRecord(String topic, GenericRecord record) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, PRODUCED_AT, key(record), value(record));
            r.headers().add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8("corr-" + record.get("transaction_id")));
            return r;
        }
    }

    @Test
    void a_product_record_prints_as_one_json_line_with_its_key_headers_and_logical_types_readable(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        GenericRecord record = p.record(1);
        produce(kit, p.producerRecord(p.contract().productTopic(), record));

        int exit = run(p.catalog(), kit, p.contract().productTopic(), "--from-beginning");

        assertThat(exit).as(err()).isZero();
        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(1);
        JsonNode line = lines.get(0);
        assertThat(line.get("topic").asText()).isEqualTo(p.contract().productTopic());
        assertThat(line.get("partition").asInt()).isZero();
        assertThat(line.get("offset").asLong()).isZero();
        assertThat(line.get("timestamp").asText()).isEqualTo("2026-03-01T10:15:31Z");
        assertThat(line.get("key").toString()).isEqualTo("{\"transaction_id\":\"" + record.get("transaction_id") + "\"}");
        assertThat(line.get("headers").get(SpineHeaders.CORRELATION_ID).asText()).isEqualTo("corr-" + record.get("transaction_id"));
        JsonNode value = line.get("value");
        assertThat(value.get("amount").isTextual()).isTrue();
        assertThat(value.get("amount").asText()).isEqualTo(decimal(record.get("amount")).toPlainString()).matches("\\d+\\.\\d{2}");
        assertThat(value.get("occurred_at").asText()).isEqualTo("2026-03-01T10:15:30.123456Z");
        assertThat(value.get("booking_date").asText()).isEqualTo("2026-03-01");
        assertThat(value.get("currency").asText()).isEqualTo(record.get("currency").toString());
        // a product topic is masked by the gate already: what is on it prints as it is
        assertThat(value.get("customer_id").asText()).isEqualTo(record.get("customer_id").toString());
    }

    @Test
    void a_raw_record_has_its_contracts_pii_fields_masked_unless_show_pii_is_given(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        GenericRecord record = p.record(2);
        produce(kit, p.producerRecord(p.contract().rawTopic(), record));

        int masked = run(p.catalog(), kit, p.contract().rawTopic(), "--from-beginning");
        JsonNode maskedValue = lines().get(0).get("value");
        console.reset();
        int shown = run(p.catalog(), kit, p.contract().rawTopic(), "--from-beginning", "--show-pii");
        JsonNode shownValue = lines().get(0).get("value");

        assertThat(masked).as(err()).isZero();
        assertThat(shown).as(err()).isZero();
        assertThat(maskedValue.get("customer_id").asText()).isEqualTo(PiiMask.MASKED);
        assertThat(maskedValue.get("account_number").asText()).isEqualTo(PiiMask.MASKED);
        assertThat(maskedValue.get("merchant_name").asText()).isEqualTo(record.get("merchant_name").toString());
        assertThat(maskedValue.toString()).doesNotContain(record.get("customer_id").toString(), record.get("account_number").toString());
        assertThat(shownValue.get("customer_id").asText()).isEqualTo(record.get("customer_id").toString());
        assertThat(shownValue.get("account_number").asText()).isEqualTo(record.get("account_number").toString());
    }

    @Test
    void a_dead_letter_prints_its_envelope_with_the_original_decoded_and_its_pii_masked(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        GenericRecord record = p.record(3);
        ProducerRecord<byte[], byte[]> raw = p.producerRecord(p.contract().rawTopic(), record);
        OriginalRecord original = new OriginalRecord(p.contract().rawTopic(), 0, 42L, PRODUCED_AT, raw.key(), raw.value(),
                List.of(new OriginalRecord.Header(SpineHeaders.SOURCE, SpineHeaders.utf8("event"))));
        DeadLetter deadLetter = DeadLetter.ruleViolations(new DeadLetter.Origin("gate", original, p.contract().qualifiedName(),
                        p.contract().version(), "corr-dlq", 0, Instant.parse("2026-03-01T10:16:00Z"), Map.of("note", "test")),
                List.of(new RuleViolation("amount-in-range", Severity.ERROR, "amount", "amount must be > 0"),
                        new RuleViolation("channel-known", Severity.WARN, "channel", "unknown channel")));
        long envelopeId = DeadLetterCodec.contentId(new RegistrySchemas(new ApicurioClient(kit.registryUrl())));
        ensureTopic(kit, Topics.DLQ);
        produce(kit, new ProducerRecord<>(Topics.DLQ, null, PRODUCED_AT, raw.key(),
                WireFormat.encode(envelopeId, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(deadLetter))));

        int exit = run(p.catalog(), kit, Topics.DLQ, "--from-beginning");

        assertThat(exit).as(err()).isZero();
        JsonNode value = lines().stream().map(l -> l.get("value")).filter(v -> v != null && deadLetter.id().equals(v.path("id").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no dead letter " + deadLetter.id() + " in:\n" + out()));
        assertThat(value.get("failure_type").asText()).isEqualTo("RULE");
        assertThat(value.get("rule_ids").toString()).isEqualTo("[\"amount-in-range\"]");
        assertThat(value.get("message").asText()).isEqualTo(deadLetter.message());
        assertThat(value.get("violations")).hasSize(2);
        assertThat(value.get("contract").asText()).isEqualTo(p.contract().qualifiedName());
        assertThat(value.get("dead_lettered_at").asText()).isEqualTo("2026-03-01T10:16:00Z");
        assertThat(value.get("source").toString()).isEqualTo("{\"topic\":\"" + p.contract().rawTopic()
                + "\",\"partition\":0,\"offset\":42,\"timestamp\":\"2026-03-01T10:15:31Z\"}");
        JsonNode originalJson = value.get("original");
        assertThat(originalJson.get("key").get("transaction_id").asText()).isEqualTo(record.get("transaction_id").toString());
        assertThat(originalJson.get("headers").get(SpineHeaders.SOURCE).asText()).isEqualTo("event");
        assertThat(originalJson.get("value").get("amount").asText()).isEqualTo(decimal(record.get("amount")).toPlainString());
        assertThat(originalJson.get("value").get("customer_id").asText()).isEqualTo(PiiMask.MASKED);
        assertThat(originalJson.get("value").get("account_number").asText()).isEqualTo(PiiMask.MASKED);
        assertThat(out()).doesNotContain(record.get("customer_id").toString());
    }

    @Test
    void undecodable_values_print_as_base64_with_the_reason_and_the_tail_goes_on(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        String topic = p.contract().productTopic();
        byte[] notWireFormat = "plain text".getBytes(StandardCharsets.UTF_8);
        byte[] unknownId = WireFormat.encode(1_999_999_999L, p.contract().avroSchema(), p.record(4));
        produce(kit, new ProducerRecord<>(topic, 0, PRODUCED_AT, null, notWireFormat),
                new ProducerRecord<>(topic, 0, PRODUCED_AT, null, unknownId),
                p.producerRecord(topic, p.record(5)));

        int exit = run(p.catalog(), kit, topic, "--from-beginning");

        assertThat(exit).as(err()).isZero();
        List<JsonNode> lines = lines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("key").isNull()).isTrue();
        assertThat(lines.get(0).has("value")).isFalse();
        assertThat(lines.get(0).get("value_base64").asText()).isEqualTo(Base64.getEncoder().encodeToString(notWireFormat));
        assertThat(lines.get(0).get("undecodable").asText()).contains("not the registry wire format");
        assertThat(lines.get(1).get("value_base64").asText()).isEqualTo(Base64.getEncoder().encodeToString(unknownId));
        assertThat(lines.get(1).get("undecodable").asText()).contains("unknown schema id 1999999999");
        assertThat(lines.get(2).get("value").get("transaction_id").asText()).isEqualTo(p.record(5).get("transaction_id").toString());
    }

    @Test
    void undecodable_bytes_of_a_raw_topic_are_withheld_unless_show_pii_is_given(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        byte[] unknownId = WireFormat.encode(1_999_999_998L, p.contract().avroSchema(), p.record(6));
        produce(kit, new ProducerRecord<>(p.contract().rawTopic(), 0, PRODUCED_AT, null, unknownId));

        int withheld = run(p.catalog(), kit, p.contract().rawTopic(), "--from-beginning");
        JsonNode withheldLine = lines().get(0);
        console.reset();
        int shown = run(p.catalog(), kit, p.contract().rawTopic(), "--from-beginning", "--show-pii");
        JsonNode shownLine = lines().get(0);

        assertThat(withheld).as(err()).isZero();
        assertThat(shown).as(err()).isZero();
        assertThat(withheldLine.has("value_base64")).isFalse();
        assertThat(withheldLine.get("value_withheld").asText()).contains(unknownId.length + " bytes", "--show-pii");
        assertThat(withheldLine.get("undecodable").asText()).contains("unknown schema id 1999999998");
        assertThat(shownLine.get("value_base64").asText()).isEqualTo(Base64.getEncoder().encodeToString(unknownId));
    }

    @Test
    void max_stops_after_that_many_records(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        String topic = p.contract().productTopic();
        produce(kit, IntStream.range(10, 15).mapToObj(i -> p.producerRecord(topic, p.record(i))).toArray(ProducerRecord[]::new));

        int exit = run(p.catalog(), kit, topic, "--from-beginning", "--max", "2");

        assertThat(exit).as(err()).isZero();
        assertThat(lines()).extracting(l -> l.get("offset").asLong()).containsExactly(0L, 1L);
    }

    @Test
    void without_from_beginning_only_new_records_print_and_timeout_stops_a_quiet_tail(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        String topic = p.contract().productTopic();
        produce(kit, p.producerRecord(topic, p.record(20)), p.producerRecord(topic, p.record(21)));

        int exit = run(p.catalog(), kit, topic, "--timeout", "300ms");

        assertThat(exit).as(err()).isZero();
        assertThat(lines()).isEmpty();
    }

    @Test
    void an_unknown_topic_exits_1_naming_it_and_listing_the_spine_topics_that_exist(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        String missing = SpineTestKit.uniqueName("no-such-topic");

        int exit = run(p.catalog(), kit, missing);

        assertThat(exit).isEqualTo(TailCommand.REFUSED);
        assertThat(err()).contains("'" + missing + "' does not exist", p.contract().productTopic(), p.contract().rawTopic());
        assertThat(lines()).isEmpty();
    }

    @Test
    void a_topic_no_contract_names_is_refused_unless_show_pii_is_given(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        String stray = kit.createTopic(SpineTestKit.uniqueName("stray"), 1);
        produce(kit, new ProducerRecord<>(stray, 0, PRODUCED_AT, null, p.value(p.record(30))));

        int refused = run(p.catalog(), kit, stray, "--from-beginning");
        int shown = run(p.catalog(), kit, stray, "--from-beginning", "--show-pii");

        assertThat(refused).isEqualTo(TailCommand.REFUSED);
        assertThat(err()).contains("no contract names topic " + stray, "--show-pii");
        assertThat(shown).as(err()).isZero();
        assertThat(lines()).hasSize(1);
    }

    @Test
    void an_unreachable_registry_exits_3_instead_of_calling_good_records_undecodable(SpineTestKit kit) {
        Payments p = Payments.provision(kit);
        produce(kit, p.producerRecord(p.contract().productTopic(), p.record(40)));

        int exit = new CommandLine(new TailCommand(p::catalog)).execute(p.contract().productTopic(), "--from-beginning",
                "--bootstrap-servers", kit.bootstrapServers(), "--registry", "http://127.0.0.1:1/apis/registry/v3");

        assertThat(exit).isEqualTo(TailCommand.UNREACHABLE);
        assertThat(err()).contains("127.0.0.1:1", "unreachable");
        assertThat(lines()).isEmpty();
    }

    @Test
    void tail_is_a_command_of_spine_and_explains_itself() {
        CommandLine cli = Spine.commandLine();

        int exit = cli.execute("tail", "--help");

        assertThat(exit).isZero();
        assertThat(out()).contains("Usage: spine tail", "--from-beginning", "--max", "--timeout", "--show-pii", PiiMask.MASKED);
    }

    @Test
    void a_max_below_1_is_a_usage_error() {
        int exit = run(ContractCatalog.of(List.of()), null, "any", "--max", "0");

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("--max must be at least 1");
    }

    private static int run(ContractCatalog catalog, SpineTestKit kit, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (kit != null) {
            all.addAll(List.of("--bootstrap-servers", kit.bootstrapServers(), "--registry", kit.registryUrl()));
        }
        return new CommandLine(new TailCommand(() -> catalog)).execute(all.toArray(String[]::new));
    }

    @SafeVarargs
    private static void produce(SpineTestKit kit, ProducerRecord<byte[], byte[]>... records) {
        kit.produce(records[0].topic(), new ByteArraySerializer(), new ByteArraySerializer(), List.of(records));
    }

    /** The DLQ is one topic for the whole spine: created with the catalogue's partitions unless another test made it. */
    private static void ensureTopic(SpineTestKit kit, String name) {
        int partitions = TopicCatalogue.of(List.of()).find(name).orElseThrow().partitions();
        try {
            kit.admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static BigDecimal decimal(Object avroBytes) {
        ByteBuffer b = ((ByteBuffer) avroBytes).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new BigDecimal(new java.math.BigInteger(bytes), 2);
    }

    /** The JSON lines the tail printed (the test's logging shares stdout, so only lines that are JSON objects). */
    private List<JsonNode> lines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out().split("\n")) {
            if (line.startsWith("{\"topic\"")) {
                try {
                    lines.add(JSON.readTree(line));
                } catch (java.io.IOException e) {
                    throw new AssertionError("not JSON: " + line, e);
                }
            }
        }
        return lines;
    }

    private String out() {
        return console.out();
    }

    private String err() {
        return console.err();
    }
}
