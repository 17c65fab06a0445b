package io.meshspine.cli.run;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.sink.LakeTables;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.KernelTable;
import io.meshspine.testkit.SaslListener;
import io.meshspine.testkit.ScratchPostgres;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A bank's cluster takes only authenticated clients (SASL, TLS). Every service reads {@code kafka.*} keys and must hand
 * them to every Kafka client it makes: the lanes' producers, Debezium's offset store, the gate's streams and key store,
 * the sink's consumer, admin and dead-letter producer. Here the services run as {@code ./spine run} runs them, from
 * settings, against a listener that refuses clients without SASL/PLAIN: one client left without the settings and the
 * records never reach the lake.
 */
@ExtendWith(SpineExtension.class)
class KafkaClientSettingsOnBrokerTest {

    private SaslListener sasl;

    @BeforeEach
    void saslListener(SpineTestKit kit) {
        assumeThat(kit.kafka().saslListener()).as("the cluster offers a SASL listener (the in-process broker does)").isPresent();
        sasl = kit.kafka().saslListener().orElseThrow();
    }

    @Test
    void the_listener_refuses_a_client_without_the_sasl_settings(SpineTestKit kit) throws Exception {
        try (Admin plain = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, sasl.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000))) {
            assertThatThrownBy(() -> plain.describeCluster().clusterId().get(10, TimeUnit.SECONDS)).isNotNull();
        }
        Map<String, Object> authenticated = new HashMap<>();
        sasl.spineSettings().forEach((k, v) -> authenticated.put(k.substring("kafka.".length()), v));
        try (Admin admin = Admin.create(authenticated)) {
            assertThat(admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS)).isNotBlank();
        }
    }

    @Test
    void a_csv_file_reaches_bronze_and_silver_through_ingest_gate_and_sink_on_an_authenticated_listener(SpineTestKit kit,
                                                                                                       @TempDir Path dir) throws Exception {
        Contract loans = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("lending.loan_applications").orElseThrow(), "sasl");
        ContractCatalog catalog = ContractCatalog.of(List.of(loans));
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(catalog.contracts()).topics());
        new ContractRegistrar(new ApicurioClient(kit.registryUrl())).register(catalog.contracts());
        Path landing = dir.resolve("landing");
        Path lake = dir.resolve("lake");
        Map<String, String> common = new HashMap<>(sasl.spineSettings());
        common.put("registry.url", kit.registryUrl());
        common.put("ops.port", "0");

        Map<String, String> ingest = new HashMap<>(common);
        ingest.put("file.landing", landing.toString());
        ingest.put("cdc.enabled", "false");
        Map<String, String> gate = new HashMap<>(common);
        gate.put("gate.hash-key", "kafka-client-settings-test-hash-key");
        gate.put("gate.application-id", SpineTestKit.uniqueName("sasl-gate"));
        gate.put("gate.state-dir", dir.resolve("gate-state").toString());
        Map<String, String> sink = new HashMap<>(common);
        sink.put("sink.lake", lake.toString());
        sink.put("sink.group-id", SpineTestKit.uniqueName("sasl-sink"));
        sink.put("sink.batch.max-latency", "1s");

        SpineService ingestService = Services.find("ingest").orElseThrow();
        SpineService gateService = Services.find("gate").orElseThrow();
        SpineService sinkService = Services.find("sink").orElseThrow();
        String bronze = LakeTables.path(lake.toString(), LakeTables.bronzeName(loans));
        String silver = LakeTables.path(lake.toString(), LakeTables.silverName(loans));
        try (ServiceHost g = ServiceHost.start(gateService, gateService.definition().parse(gate), catalog);
             ServiceHost s = ServiceHost.start(sinkService, sinkService.definition().parse(sink), catalog);
             ServiceHost i = ServiceHost.start(ingestService, ingestService.definition().parse(ingest), catalog)) {
            Path drop = landing.resolve(((SourceBinding.File) loans.source()).landingGlob()).getParent();
            Files.createDirectories(drop);
            Path part = drop.resolve("day1.csv.part");
            Files.writeString(part, """
                    application_id,customer_id,product,amount,term_months,status,submitted_at,decided_at,broker_code
                    APP-SASL-1,C900001,HOME,250000.00,360,APPROVED,2026-11-20T09:00:00Z,2026-11-21T09:00:00Z,BRK-101
                    APP-SASL-2,C900002,PERSONAL,12000.00,36,SUBMITTED,2026-11-20T10:00:00Z,,BRK-102
                    APP-SASL-3,C900003,PERSONAL,9000.00,24,LOST,2026-11-20T11:00:00Z,,BRK-103
                    """, StandardCharsets.UTF_8);
            Files.move(part, drop.resolve("day1.csv"));

            await("every raw row in Bronze and the rows the contract passes in Silver").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        assertThat(KernelTable.count(bronze)).as("Bronze rows").isEqualTo(3);
                        assertThat(KernelTable.count(silver)).as("Silver rows").isEqualTo(2);
                    });
            assertThat(KernelTable.strings(silver, "application_id")).containsExactlyInAnyOrder("APP-SASL-1", "APP-SASL-2");
        }
    }

    @Test
    void the_cdc_lane_and_its_offset_store_reach_an_authenticated_listener(SpineTestKit kit) {
        Contract customers = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("crm.customers").orElseThrow(), "saslcdc");
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(customers)).topics());
        Map<String, Object> client = new HashMap<>();
        sasl.spineSettings().forEach((k, v) -> {
            if (!k.equals("kafka.bootstrap.servers")) {
                client.put(k.substring("kafka.".length()), v);
            }
        });
        try (ScratchPostgres db = new ScratchPostgres("saslcdc");
             TopicReader raw = new TopicReader(kit, customers.rawTopic())) {
            CdcConfig config = CdcConfig.defaults(sasl.bootstrapServers(), kit.registryUrl()).withKafkaClient(client)
                    .withDatabase(customers.id(), db.name()).withName(SpineTestKit.uniqueName("saslcdc"))
                    .withOffsetFlushInterval(Duration.ZERO);
            db.dropsSlot(ConnectorProperties.slotName(config, customers));
            db.execute(ScratchPostgres.insertCustomer("SASL1", "Ada", "Lovelace", "ada@example.com", "0400000001"));
            try (CdcLane lane = CdcLane.start(config, List.of(customers), new SimpleMeterRegistry())) {
                await("the snapshot row").atMost(Duration.ofSeconds(90)).until(() -> raw.poll().size() >= 1);
                db.execute(ScratchPostgres.insertCustomer("SASL2", "Grace", "Hopper", "grace@example.com", "0400000002"));
                await("the streamed change").atMost(Duration.ofSeconds(60)).until(() -> raw.poll().size() >= 1);
            }
        }
    }

}
