package io.meshspine.cli.privacy;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.privacy.Decryption;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.privacy.SubjectCipher;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.ApiToken;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.DlqApiServer;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Steward;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.privacy.DeadLetterSealer;
import io.meshspine.core.render.WireDecoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.meshspine.gate.internal.PiiMasker;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.LakeTables;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkService;
import io.meshspine.sink.internal.BronzeRows;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * Erasure of one customer across two contracts that name customer_id as their subject (payments events, lending
 * applications), with the sink running: its Silver rows are gone (Delta Kernel), its Bronze rows no longer decrypt,
 * the other customers are untouched, its sealed dead letters are marked resolved (others' are not), the rewritten Silver
 * files are purged at once (--purge-now), the attestation in spine.audit lists exactly what changed, and a second
 * erasure (over the workbench's HTTP endpoint too, admins only) changes nothing. Product records are masked with the
 * gate's own masker, as the gate writes them; dead letters are sealed with the gate's own sealer.
 */
@ExtendWith(SpineExtension.class)
class ErasureOnBrokerTest {

    private static final byte[] GATE_HASH_KEY = "erasure-test-gate-hash-key".getBytes(StandardCharsets.UTF_8);
    private static final String[] CUSTOMERS = {"C-900001", "C-900002", "C-900003"};
    private static final String ERASED = CUSTOMERS[1];

    @Test
    void erasing_a_customer_removes_its_silver_rows_shreds_its_bronze_rows_attests_and_is_idempotent(SpineTestKit kit, @TempDir Path lake) throws Exception {
        ContractCatalog samples = ContractCatalog.fromClasspath();
        List<Contract> contracts = ContractFixtures.inFreshDomain(List.of(samples.find("payments.transactions", 1).orElseThrow(),
                samples.find("lending.loan_applications", 1).orElseThrow()), "erase");
        Contract payments = contracts.get(0);
        Contract lending = contracts.get(1);
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(contracts).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));

        SamplePayments paymentSamples = new SamplePayments(payments.avroSchema());
        Instant base = Instant.parse("2026-02-01T09:00:00Z");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 30; i++) {
                GenericRecord r = paymentSamples.valid(i, base.plusSeconds(i));
                r.put("customer_id", CUSTOMERS[i % 3]);
                send(producer, registry, payments, r);
            }
            for (int i = 0; i < 9; i++) {
                GenericRecord r = new GenericData.Record(lending.avroSchema());
                r.put("application_id", "APP-" + i);
                r.put("customer_id", CUSTOMERS[i % 3]);
                r.put("product", "HOME");
                r.put("amount", SamplePayments.money("250000.00"));
                r.put("term_months", 360);
                r.put("status", "SUBMITTED");
                r.put("submitted_at", base.toEpochMilli() * 1000);
                send(producer, registry, lending, r);
            }
        }

        String silverPayments = LakeTables.path(lake.toString(), LakeTables.silverName(payments));
        String silverLending = LakeTables.path(lake.toString(), LakeTables.silverName(lending));
        String bronzePayments = LakeTables.path(lake.toString(), LakeTables.bronzeName(payments));
        String bronzeLending = LakeTables.path(lake.toString(), LakeTables.bronzeName(lending));
        String erasedPaymentsHash = new PiiMasker(payments, GATE_HASH_KEY).hash(ERASED);
        Map<String, Object> kafka = Map.of("bootstrap.servers", kit.bootstrapServers());
        SinkConfig config = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("sink")).withTrigger(new BatchTrigger(1000, 64L << 20, Duration.ofMillis(300)))
                .withPrivacy(PrivacyConfig.DEMO);

        ApiToken admin = ApiToken.parse("ada=" + ApiToken.hash("admin-token") + ";admin");
        ApiToken steward = ApiToken.parse("sam=" + ApiToken.hash("steward-token") + ";steward;" + payments.domain());
        DlqConfig dlq = DlqConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withHttpPort(0).withTokens(List.of(admin, steward));

        try (SinkService sink = LakeSink.start(config, ContractCatalog.of(contracts), new SimpleMeterRegistry());
             DataKeyStore keys = PrivacyConfig.DEMO.openKeyStore(Topics.PRIVACY_KEYS, kafka);
             DlqWorkbench workbench = DlqWorkbench.open(dlq, ContractCatalog.of(contracts))) {
            await("lake complete").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() ->
                    KernelTable.count(silverPayments) == 30 && KernelTable.count(silverLending) == 9
                            && KernelTable.count(bronzePayments) == 30 && KernelTable.count(bronzeLending) == 9);
            assertThat(KernelTable.read(silverPayments).column("customer_id")).contains(erasedPaymentsHash);
            SubjectCipher cipher = new SubjectCipher(keys);
            Set<String> erasedKeyIds = new HashSet<>();
            for (String bronze : List.of(bronzePayments, bronzeLending)) {
                for (Map<String, Object> row : KernelTable.read(bronze).rows()) {
                    // every Bronze row decrypts before the erasure; remember the erased customer's keys
                    assertThat(cipher.decrypt((byte[]) row.get(BronzeRows.VALUE))).isInstanceOf(Decryption.Plain.class);
                    byte[] customer = ((Decryption.Plain) cipher.decrypt((byte[]) row.get("customer_id"))).bytes();
                    if (new String(customer, StandardCharsets.UTF_8).endsWith(ERASED)) {
                        erasedKeyIds.add((String) row.get(BronzeRows.KEY_ID));
                    }
                }
            }
            assertThat(erasedKeyIds).hasSize(2); // one per domain

            // Two sealed dead letters of payments, as the gate writes them: one of the erased customer, one of another.
            DeadLetterSealer sealer = new DeadLetterSealer(ContractCatalog.of(contracts), new WireDecoder(registry), () -> cipher);
            DeadLetter erasedLetter = publishDeadLetter(kit, registry, sealer, payments, paymentSamples, ERASED, 7_001);
            DeadLetter otherLetter = publishDeadLetter(kit, registry, sealer, payments, paymentSamples, CUSTOMERS[0], 7_002);
            assertThat(erasedLetter.sealed()).isTrue();
            Steward ada = new Steward("ada", Role.ADMIN, Set.of(Steward.ALL_DOMAINS));
            await("the workbench sees both dead letters").atMost(Duration.ofSeconds(20)).until(() ->
                    workbench.list(DeadLetterFilter.byIds(Set.of(erasedLetter.id(), otherLetter.id())), ada).size() == 2);

            // Erase while the sink runs, purging the rewritten Silver files at once.
            Erasure erasure = new Erasure(contracts, lake.toString(), Map.of(), keys, GATE_HASH_KEY, kafka, Clock.systemUTC(), workbench);
            Attestation first = erasure.erase(new Erasure.Request("customer_id", ERASED, "GDPR-4711", "dpo@bank.example", true,
                    Steward.localAdmin("dpo@bank.example")));
            assertThat(first.deadLetters().found()).containsExactly(erasedLetter.id());
            assertThat(first.deadLetters().resolved()).containsExactly(erasedLetter.id());
            assertThat(status(workbench, erasedLetter.id(), ada)).isEqualTo(DeadLetterStatus.RESOLVED);
            assertThat(status(workbench, otherLetter.id(), ada)).isEqualTo(DeadLetterStatus.ACTIVE);
            assertThat(workbench.inspect(erasedLetter.id(), ada).orElseThrow().get("erased_by").asText()).isEqualTo(first.erasureId());
            assertThat(workbench.inspect(otherLetter.id(), ada).orElseThrow().has("erased_by")).isFalse();
            assertThat(first.tables()).allSatisfy(t -> {
                assertThat(t.filesPurged()).isNotEmpty().hasSize(t.filesRewritten());
                t.filesPurged().forEach(file -> assertThat(new java.io.File(java.net.URI.create(
                        LakeTables.path(lake.toString(), t.table()) + "/" + file))).doesNotExist());
            });
            assertThat(first.notReached()).noneMatch(n -> n.startsWith("files the Silver delete"));

            KernelTable.Contents paymentsAfter = KernelTable.read(silverPayments);
            KernelTable.Contents lendingAfter = KernelTable.read(silverLending);
            assertThat(paymentsAfter.rows()).hasSize(20);
            assertThat(paymentsAfter.column("customer_id")).doesNotContain(erasedPaymentsHash);
            assertThat(lendingAfter.rows()).hasSize(6);
            assertThat(lendingAfter.column("customer_id")).doesNotContain(new PiiMasker(lending, GATE_HASH_KEY).hash(ERASED));
            assertThat(first.tables()).extracting(Attestation.TableDeletion::table, Attestation.TableDeletion::rowsRemoved,
                            Attestation.TableDeletion::version, Attestation.TableDeletion::searchable)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(LakeTables.silverName(payments), 10L, paymentsAfter.version(), true),
                            org.assertj.core.groups.Tuple.tuple(LakeTables.silverName(lending), 3L, lendingAfter.version(), true));
            assertThat(first.keysDestroyed()).extracting(Attestation.DestroyedKey::keyId).containsExactlyInAnyOrderElementsOf(erasedKeyIds);
            assertThat(first.bronzeUnreadable()).extracting(b -> b.rowsByFile().values().stream().mapToLong(Long::longValue).sum())
                    .containsExactly(10L, 3L);
            assertThat(first.previousErasures()).isEmpty();
            assertThat(first.toJson().toString()).doesNotContain(ERASED);

            // Bronze: the erased customer's rows no longer decrypt, everyone else's do.
            int shredded = 0;
            for (String bronze : List.of(bronzePayments, bronzeLending)) {
                for (Map<String, Object> row : KernelTable.read(bronze).rows()) {
                    Decryption d = cipher.decrypt((byte[]) row.get(BronzeRows.VALUE));
                    if (erasedKeyIds.contains(row.get(BronzeRows.KEY_ID))) {
                        assertThat(d).isEqualTo(new Decryption.Erased((String) row.get(BronzeRows.KEY_ID), first.erasureId()));
                        shredded++;
                    } else {
                        assertThat(d).isInstanceOf(Decryption.Plain.class);
                    }
                }
            }
            assertThat(shredded).isEqualTo(13);

            // The attestation is in spine.audit, as an audit entry whose details are the attestation.
            AuditEntry audited = auditEntry(kit, first.erasureId());
            assertThat(audited.action()).isEqualTo("privacy-erase");
            assertThat(audited.who()).isEqualTo("dpo@bank.example");
            assertThat(audited.count()).isEqualTo(13);
            assertThat(audited.details().toString()).isEqualTo(first.toJson().toString());

            // Twice: nothing left to change, and it says so.
            Attestation second = erasure.erase(new Erasure.Request("customer_id", ERASED, "GDPR-4711", "dpo@bank.example"));
            assertThat(second.changedAnything()).isFalse();
            assertThat(second.keysDestroyed()).isEmpty();
            assertThat(second.tables()).allSatisfy(t -> assertThat(t.version()).isEqualTo(-1));
            assertThat(second.previousErasures()).containsOnly(first.erasureId());
            assertThat(KernelTable.read(silverPayments).version()).isEqualTo(paymentsAfter.version());
            assertThat(first.toText()).contains("10 rows removed in version " + paymentsAfter.version()).contains("GDPR-4711");
            assertThat(second.deadLetters().resolved()).isEmpty();

            // The workbench's endpoint: the same erasure for admins (nothing left to change), refused to a steward.
            try (DlqApiServer server = DlqApiServer.start(workbench, new WorkbenchErasures(erasure))) {
                String body = "{\"subject_field\":\"customer_id\",\"subject_value\":\"" + ERASED + "\",\"reason\":\"GDPR-4711\"}";
                HttpResponse<String> refused = post(server, "steward-token", body);
                assertThat(refused.statusCode()).isEqualTo(403);
                HttpResponse<String> answered = post(server, "admin-token", body);
                assertThat(answered.statusCode()).isEqualTo(200);
                JsonNode third = new ObjectMapper().readTree(answered.body());
                assertThat(third.get("requested_by").asText()).isEqualTo("ada");
                assertThat(third.get("keys_destroyed")).isEmpty();
                assertThat(third.at("/dead_letters/found")).hasSize(1);
                assertThat(third.at("/dead_letters/resolved")).isEmpty();
                assertThat(third.get("previous_erasures").toString()).contains(first.erasureId());
                assertThat(answered.body()).doesNotContain(ERASED);
            }
        }
    }

    private static HttpResponse<String> post(DlqApiServer server, String token, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.url().resolve("/api/privacy/erasures"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static DeadLetterStatus status(DlqWorkbench workbench, String id, Steward who) {
        return workbench.list(DeadLetterFilter.byIds(Set.of(id)), who).get(0).status();
    }

    /** A payment the currency rule refuses, dead-lettered as the gate does it: sealed under the customer's key. */
    private static DeadLetter publishDeadLetter(SpineTestKit kit, RegistrySchemas registry, DeadLetterSealer sealer, Contract payments,
                                                SamplePayments samples, String customer, long offset) throws Exception {
        GenericRecord r = samples.valid(offset, Instant.parse("2026-02-01T09:00:00Z"));
        r.put("customer_id", customer);
        r.put("currency", "aud");
        long valueId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.productTopic()), payments.avroSchema());
        OriginalRecord original = new OriginalRecord(payments.rawTopic(), 0, offset, System.currentTimeMillis(),
                ("k-" + offset).getBytes(StandardCharsets.UTF_8), WireFormat.encode(valueId, payments.avroSchema(), r), List.of());
        DeadLetter d = sealer.seal(DeadLetter.ruleViolations(new DeadLetter.Origin("gate", original, payments.qualifiedName(),
                payments.version(), "corr-" + offset, 0, Instant.now(), Map.of()),
                List.of(new RuleViolation("currency-iso-4217", Severity.ERROR, "currency", "not an ISO-4217 code"))));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.DLQ, d.original().key(), WireFormat.encode(DeadLetterCodec.contentId(registry),
                    DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d)))).get();
        }
        return d;
    }

    /** The raw record as a lane writes it, and the product record as the gate writes it (PII masked by the gate's masker). */
    private static void send(KafkaProducer<byte[], byte[]> producer, RegistrySchemas registry, Contract c, GenericRecord r) {
        long valueId = registry.contentIdFor(c.domain(), ContractRegistrar.valueArtifact(c.productTopic()), c.avroSchema());
        long keyId = registry.contentIdFor(c.domain(), ContractRegistrar.keyArtifact(c.productTopic()), c.keySchema());
        GenericData.Record key = new GenericData.Record(c.keySchema());
        c.keys().forEach(k -> key.put(k, r.get(k)));
        producer.send(new ProducerRecord<>(c.rawTopic(), WireFormat.encode(keyId, c.keySchema(), key), WireFormat.encode(valueId, c.avroSchema(), r)));
        GenericRecord masked = new PiiMasker(c, GATE_HASH_KEY).mask(new GenericData.Record((GenericData.Record) r, true));
        producer.send(new ProducerRecord<>(c.productTopic(), WireFormat.encode(keyId, c.keySchema(), key), WireFormat.encode(valueId, c.avroSchema(), masked)));
    }

    private static AuditEntry auditEntry(SpineTestKit kit, String id) {
        List<AuditEntry> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("audit")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.AUDIT, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    AuditEntry e = AuditEntry.fromBytes(r.value());
                    if (e.id().equals(id)) {
                        found.add(e);
                    }
                }
            }
        }
        assertThat(found).hasSize(1);
        return found.get(0);
    }
}
