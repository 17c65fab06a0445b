package io.meshspine.cli.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.privacy.Ciphertext;
import io.meshspine.core.privacy.KeyScope;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Steward;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.sink.Backfill;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.LakeTables;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkService;
import io.meshspine.sink.internal.BackfillJob;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.KernelTable;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.ScratchPostgres;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16, the last two writers of the DLQ: a change the CDC lane cannot turn into a raw record, and a product record a
 * {@code ./spine lake backfill --replace} cannot write, are dead-lettered with their originals sealed (nothing of the
 * customer in clear in the DLQ record's key or value), and the workbench opens them for a steward of the domain. Real
 * broker, registry and PostgreSQL.
 */
@ExtendWith(SpineExtension.class)
class SealedLaneDeadLettersTest {

    private static final String HASH_KEY = "sealed-lanes-test-hash-key-0123456789";

    @Test
    void a_change_the_cdc_lane_dead_letters_is_sealed_under_its_subjects_key_and_the_workbench_opens_it(SpineTestKit kit,
                                                                                                      @TempDir Path dir) {
        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("crm.customers").orElseThrow(), "sealcdc");
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
        String run = Long.toHexString(System.nanoTime());
        String customer = "CUSTPII" + run;
        String email = "mailpii" + run + "@example.com";
        String phone = "0400" + run;
        try (ScratchPostgres db = new ScratchPostgres("sealcdc");
             TopicReader raw = new TopicReader(kit, contract.rawTopic());
             TopicReader dlq = new TopicReader(kit, Topics.DLQ)) {
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(contract.id(), db.name())
                    .withOffsetFlushInterval(Duration.ZERO).withPrivacy(PrivacyConfig.DEMO);
            db.dropsSlot(ConnectorProperties.slotName(config, contract));
            db.execute(ScratchPostgres.insertCustomer("C1" + run, "Ada", "Lovelace", "ada@example.com", "0400000001"));
            try (CdcLane lane = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
                await("the snapshot row").atMost(Duration.ofSeconds(60)).until(() -> raw.poll().size() >= 1);
                // A required column dropped: the capture of the table stops, and the change is kept on the DLQ (Debezium's JSON).
                db.execute("ALTER TABLE public.customers DROP COLUMN last_name",
                        "INSERT INTO public.customers (customer_id, first_name, email, phone) VALUES ('" + customer + "', 'Grace', '"
                                + email + "', '" + phone + "')");
                await().atMost(Duration.ofSeconds(60)).until(() -> lane.state(contract.qualifiedName()).orElseThrow() == CaptureState.STOPPED_INCOMPATIBLE);
                await("the change's dead letter").atMost(Duration.ofSeconds(30)).until(() -> ours(kit, dlq, contract).size() == 1);
            }
            ConsumerRecord<byte[], byte[]> record = ours(kit, dlq, contract).get(0);
            DeadLetter d = envelope(kit, record);
            assertThat(d.stage()).isEqualTo("cdc-lane");
            assertThat(d.sealed()).as("sealed").isTrue();
            assertThat(d.sealing().keySealed()).as("customer_id, the key, is PII").isTrue();
            assertThat(d.sealing().subjectHmac()).as("sealed under the subject's key, read from Debezium's JSON")
                    .isEqualTo(PrivacyConfig.DEMO.hasher().hash(KeyScope.subject(contract.domain(), customer)));
            assertThat(Ciphertext.keyId(d.original().value())).isEqualTo(d.sealing().keyId());
            for (String pii : List.of(customer, email, phone)) {
                assertThat(contains(record.key(), pii) || contains(record.value(), pii)).as("%s in clear in the DLQ record", pii).isFalse();
            }

            // The workbench opens it for a steward of the domain (as it does for repair and replay); a viewer sees it withheld.
            JsonNode opened = inspect(kit, dir, contract, d.id(), Role.STEWARD);
            String value = new String(Base64.getDecoder().decode(opened.at("/original/value_base64").asText()), StandardCharsets.UTF_8);
            assertThat(value).contains("\"customer_id\":\"" + customer + "\"").contains(email).contains(phone).contains("\"op\":\"c\"");
            assertThat(opened.get("encrypted_at_rest").asBoolean()).isTrue();
            JsonNode withheld = inspect(kit, dir, contract, d.id(), Role.VIEWER);
            assertThat(withheld.toString()).doesNotContain(email).doesNotContain(customer);
        }
    }

    @Test
    void a_product_record_a_replace_cannot_write_is_dead_lettered_sealed_and_the_workbench_opens_it(SpineTestKit kit, @TempDir Path dir)
            throws Exception {
        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "sealrp");
        ContractCatalog catalog = ContractCatalog.of(List.of(contract));
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("sealrp-gate"), "gate.state-dir", dir.resolve("state").toString()));
        Path lake = dir.resolve("lake");
        // Bronze in clear (the sink's default): the replace's dead letters are sealed all the same.
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("sealrp-sink")).withTrigger(new BatchTrigger(10, 64L << 20, Duration.ofMillis(200)))
                .withTableTriggers(Map.of());
        String silver = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
        String pii = "CUSTPII" + Long.toHexString(System.nanoTime());
        byte[] unwritable = ("not a product record, customer " + pii).getBytes(StandardCharsets.UTF_8);
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        try (ContractGateService gate = ContractGateService.start(gateConfig, catalog, new SimpleMeterRegistry(), ProductTransform.NONE);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
             TopicReader dlq = new TopicReader(kit, Topics.DLQ)) {
            for (int i = 0; i < 5; i++) {
                GenericRecord r = samples.valid(i, Instant.now().minusSeconds(60));
                producer.send(new ProducerRecord<>(contract.rawTopic(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                        WireFormat.encode(writerId, contract.avroSchema(), r)));
            }
            producer.flush();
            try (SinkService sink = LakeSink.start(sinkConfig, catalog, new SimpleMeterRegistry())) {
                await("Silver has the payments").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> KernelTable.count(silver) == 5);
            }
            // With the sink stopped, a record on the product topic past the Bronze snapshot that no Silver row can hold: the
            // replace reads it in the product tail and dead-letters it.
            ProducerRecord<byte[], byte[]> tail = new ProducerRecord<>(contract.productTopic(), "k-tail".getBytes(StandardCharsets.UTF_8), unwritable);
            tail.headers().add(SpineHeaders.RAW_OFFSET, SpineHeaders.utf8("0:999999"));
            producer.send(tail).get();

            BackfillJob.Summary replaced = Backfill.run(contract, gateConfig, Backfill.Options.replacing(lake.toString(), null, Duration.ofSeconds(60)),
                    BackfillJob.Progress.NONE);
            assertThat(KernelTable.readVersion(silver, replaced.tableVersion()).rows()).hasSize(5);

            List<ConsumerRecord<byte[], byte[]>> letters = await("the replace's dead letter").atMost(Duration.ofSeconds(30))
                    .until(() -> ours(kit, dlq, contract).stream().filter(r -> "lake-sink".equals(envelope(kit, r).stage())).toList(),
                            l -> l.size() == 1);
            ConsumerRecord<byte[], byte[]> record = letters.get(0);
            DeadLetter d = envelope(kit, record);
            assertThat(d.original().topic()).isEqualTo(contract.productTopic());
            assertThat(d.sealed()).as("sealed").isTrue();
            assertThat(d.sealing().subjectHmac()).as("undecodable: the domain's key")
                    .isEqualTo(PrivacyConfig.DEMO.hasher().hash(KeyScope.domain(contract.domain())));
            assertThat(contains(record.key(), pii) || contains(record.value(), pii)).as("the customer in clear in the DLQ record").isFalse();

            JsonNode opened = inspect(kit, dir, contract, d.id(), Role.STEWARD);
            assertThat(Base64.getDecoder().decode(opened.at("/original/value_base64").asText())).isEqualTo(unwritable);
        }
    }

    private static JsonNode inspect(SpineTestKit kit, Path dir, Contract contract, String id, Role role) {
        DlqConfig config = DlqConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withHttpPort(0)
                .withStateDir(dir.resolve("dlq-" + role.name().toLowerCase()));
        try (DlqWorkbench bench = DlqWorkbench.open(config, ContractCatalog.of(List.of(contract)))) {
            Steward who = new Steward(role.name().toLowerCase(), role, Set.of(contract.domain()));
            return await("the workbench has " + id).atMost(Duration.ofSeconds(30)).until(() -> bench.inspect(id, who, true), o -> o.isPresent())
                    .orElseThrow();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> ours(SpineTestKit kit, TopicReader dlq, Contract contract) {
        return dlq.drain().stream().filter(r -> contract.qualifiedName().equals(envelope(kit, r).contract())).toList();
    }

    private static DeadLetter envelope(SpineTestKit kit, ConsumerRecord<byte[], byte[]> r) {
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        try {
            Schema writer = registry.byContentId(WireFormat.schemaId(r.value()).orElseThrow());
            return DeadLetterCodec.fromAvro(new GenericDatumReader<GenericRecord>(writer, DeadLetterCodec.SCHEMA).read(null,
                    DecoderFactory.get().binaryDecoder(r.value(), WireFormat.HEADER_LENGTH, r.value().length - WireFormat.HEADER_LENGTH, null)));
        } catch (Exception e) {
            throw new AssertionError("a dead letter that does not decode", e);
        }
    }

    private static boolean contains(byte[] bytes, String s) {
        return bytes != null && new String(bytes, StandardCharsets.ISO_8859_1).contains(s);
    }
}
