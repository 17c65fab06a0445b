package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.dlq.ApiToken;
import io.meshspine.dlq.DlqApiServer;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.PrivacyErasures;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.LakeTables;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkService;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.KernelTable;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16: {@code POST /api/privacy/erasures} is served by the demo's workbench (its one-run admin token, over the
 * demo's lake) and by what {@code ./spine dlq serve} finds with ServiceLoader; each through the real HTTP server, the
 * real gate and sink writing the Silver rows it deletes, on the real broker and registry.
 */
@ExtendWith(SpineExtension.class)
class ErasureEndpointServedTest {

    private static final String HASH_KEY = "erasure-endpoint-test-hash-key";
    private static final String[] CUSTOMERS = {"C-ENDPOINT-1", "C-ENDPOINT-2", "C-ENDPOINT-3"};

    @Test
    void the_demo_workbench_and_dlq_serve_erase_a_subject_for_an_admin_only(SpineTestKit kit, @TempDir Path dir) throws Exception {
        Contract payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "erasehttp");
        ContractCatalog catalog = ContractCatalog.of(List.of(payments));
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(payments)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        Path lake = dir.resolve("lake");
        String silver = LakeTables.path(lake.toString(), LakeTables.silverName(payments));
        SamplePayments samples = new SamplePayments(payments.avroSchema());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 9; i++) {
                GenericRecord r = samples.valid(i, Instant.now().minusSeconds(60));
                r.put("customer_id", CUSTOMERS[i % 3]);
                producer.send(new ProducerRecord<>(payments.rawTopic(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                        WireFormat.encode(writerId, payments.avroSchema(), r)));
            }
        }
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("erasehttp-sink")).withTrigger(new BatchTrigger(100, 64L << 20, Duration.ofMillis(300)))
                .withTableTriggers(Map.of()).withPrivacy(PrivacyConfig.DEMO);
        try (ContractGateService gate = ContractGateService.start(GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(),
                     "registry.url", kit.registryUrl(), "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("erasehttp-gate"),
                     "gate.state-dir", dir.resolve("state").toString())), catalog, new SimpleMeterRegistry(), ProductTransform.NONE);
             SinkService sink = LakeSink.start(sinkConfig, catalog, new SimpleMeterRegistry())) {
            await("Silver has the payments").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                    .until(() -> KernelTable.count(silver) == 9);

            // The demo's workbench: an admin token of its own, printed once; a steward's token is refused (403).
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            try (SpineMetrics metrics = new SpineMetrics("erasure-endpoint-test");
                 DemoWorkbench demo = DemoWorkbench.start(catalog, kit.bootstrapServers(), kit.registryUrl(), FreePorts.next(), LineageConfig.NONE,
                         metrics, new Health(), lake.toString(), HASH_KEY, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
                assertThat(printed.toString(StandardCharsets.UTF_8)).contains(demo.adminToken());
                assertThat(post(demo.url(), demo.stewardToken(), CUSTOMERS[0]).statusCode()).isEqualTo(403);
                HttpResponse<String> erased = post(demo.url(), demo.adminToken(), CUSTOMERS[0]);
                assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
                JsonNode attestation = new ObjectMapper().readTree(erased.body());
                assertThat(attestation.get("requested_by").asText()).isEqualTo("demo-admin");
                assertThat(attestation.get("keys_destroyed")).isNotEmpty();
                assertThat(attestation.at("/tables/0/rows_removed").asLong()).isEqualTo(3);
                assertThat(erased.body()).doesNotContain(CUSTOMERS[0]);
            }
            assertThat(KernelTable.count(silver)).isEqualTo(6);

            // What `./spine dlq serve` finds on the classpath (with a master key, the lake and the hash key configured).
            PrivacyErasures.Provider provider = ServiceLoader.load(PrivacyErasures.Provider.class).findFirst().orElseThrow();
            ApiToken admin = ApiToken.parse("ada=" + ApiToken.hash("admin-token") + ";admin");
            DlqConfig dlq = DlqConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withHttpPort(0).withTokens(List.of(admin))
                    .withStateDir(dir.resolve("dlq"));
            try (DlqWorkbench bench = DlqWorkbench.open(dlq, catalog);
                 PrivacyErasures.Served erasures = provider.open(bench, lake.toString(), HASH_KEY.getBytes(StandardCharsets.UTF_8));
                 DlqApiServer server = DlqApiServer.start(bench, erasures)) {
                HttpResponse<String> erased = post(server.url(), "admin-token", CUSTOMERS[1]);
                assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
                assertThat(new ObjectMapper().readTree(erased.body()).at("/tables/0/rows_removed").asLong()).isEqualTo(3);
            }
            assertThat(KernelTable.count(silver)).isEqualTo(3);
        }
    }

    private static HttpResponse<String> post(URI server, String token, String customer) throws Exception {
        String body = "{\"subject_field\": \"customer_id\", \"subject_value\": \"" + customer + "\", \"reason\": \"T-16\", \"purge_now\": false}";
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.resolve("/api/privacy/erasures"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
