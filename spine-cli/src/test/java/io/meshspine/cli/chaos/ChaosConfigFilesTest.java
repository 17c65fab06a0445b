package io.meshspine.cli.chaos;

import io.meshspine.cli.run.Services;
import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.ingest.cdc.CdcSettings;
import io.meshspine.sink.SinkSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What `./spine chaos` hands each `spine run` child: config files written from the shipped ops/config templates, which
 * load with the service's own declaration and point at the run's broker, registry, ports and directories; and the
 * run's copy of the contracts, whose CDC contracts name the run's own databases.
 */
class ChaosConfigFilesTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final Map<String, String> ENV = Map.of("SPINE_GATE_HASH_KEY", "chaos-config-test-hash-key");

    @Test
    void each_service_config_is_the_shipped_template_with_the_run_values_and_loads_with_the_service_declaration(@TempDir Path work) throws Exception {
        for (String service : Services.names()) {
            Map<String, String> keys = ChaosCommand.runKeys(service, "127.0.0.1:19092", "http://127.0.0.1:18080/apis/registry/v3",
                    work.resolve("contracts"), work, work.resolve("lake"), "t1", 19400, 19410, "127.0.0.1:5432", "127.0.0.1:3306");
            Path template = REPO.resolve("ops/config/" + service + ".properties");
            Path file = ServiceConfigs.write(template, work.resolve("config/" + service + ".properties"), keys);

            SpineConfig loaded = Services.find(service).orElseThrow().definition().load(file, ENV);
            assertThat(loaded.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS)).as(service).isEqualTo("127.0.0.1:19092");
            assertThat(loaded.get(CommonSettings.REGISTRY_URL)).as(service).isEqualTo("http://127.0.0.1:18080/apis/registry/v3");
            assertThat(loaded.get(CommonSettings.OPS_PORT)).as(service).isEqualTo(19400);
            assertThat(loaded.get(CommonSettings.OPS_HOST)).as(service).isEqualTo("127.0.0.1");
            assertThat(loaded.get(CommonSettings.CONTRACTS_DIR)).as(service).isEqualTo(work.resolve("contracts"));
            String text = Files.readString(file, StandardCharsets.UTF_8);
            // The template's own comments stay: the file is the shipped one with the run's values, not a new one.
            Files.readAllLines(template, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("# ") && ServiceConfigs.keyOf(l) == null)
                    .forEach(comment -> assertThat(text).as(service).contains(comment));
            assertThat(text).as(service).doesNotContain("kafka:29092").doesNotContain("registry:8080");
            switch (service) {
                case "ingest" -> {
                    assertThat(loaded.get(CdcSettings.POSTGRES_HOST)).isEqualTo("127.0.0.1");
                    assertThat(loaded.get(CdcSettings.MARIADB_PORT)).isEqualTo(3306);
                    assertThat(loaded.get(CdcSettings.NAME)).isEqualTo("chaos-t1");
                }
                case "sink" -> assertThat(loaded.get(SinkSettings.LAKE)).isEqualTo(work.resolve("lake").toString());
                case "gate" -> assertThat(loaded.get(io.meshspine.gate.GateSettings.INSTANCE_ID)).isEqualTo("chaos-gate-t1");
                default -> {
                }
            }
        }
    }

    @Test
    void a_run_key_the_service_does_not_declare_stops_it_naming_the_key(@TempDir Path work) {
        Path file = ServiceConfigs.write(REPO.resolve("ops/config/gate.properties"), work.resolve("gate.properties"),
                Map.of("sink.lake", work.resolve("lake").toString()));
        assertThatThrownBy(() -> Services.find("gate").orElseThrow().definition().load(file, ENV))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sink.lake");
    }

    @Test
    void the_run_contracts_are_the_repository_ones_with_the_cdc_tables_in_the_run_databases(@TempDir Path dir) {
        Path copied = ChaosContracts.copy(REPO.resolve("schemas"), dir, Map.of(CdcTables.CUSTOMERS, "chaos_t1_crm", CdcTables.SERVICES, "chaos_t1_accounts"));
        ContractCatalog run = ContractCatalog.load(copied);
        ContractCatalog shipped = ContractCatalog.fromClasspath();
        assertThat(run.contracts().stream().map(Contract::qualifiedName))
                .containsExactlyInAnyOrderElementsOf(shipped.contracts().stream().map(Contract::qualifiedName).toList());
        assertThat(((SourceBinding.Cdc) run.latest(CdcTables.CUSTOMERS).orElseThrow().source()).database()).isEqualTo("chaos_t1_crm");
        assertThat(((SourceBinding.Cdc) run.latest(CdcTables.SERVICES).orElseThrow().source()).database()).isEqualTo("chaos_t1_accounts");
        for (String id : List.of("payments.transactions", "lending.loan_applications")) {
            Contract a = run.latest(id).orElseThrow();
            Contract b = shipped.latest(id).orElseThrow();
            assertThat(a.avroSchema()).isEqualTo(b.avroSchema());
            assertThat(a.source()).isEqualTo(b.source());
            assertThat(a.rawTopic()).isEqualTo(b.rawTopic());
        }
    }

    @Test
    void silver_keys_the_gate_hashed_are_named_again_as_the_source_wrote_them() {
        ContractCatalog shipped = ContractCatalog.fromClasspath();
        byte[] key = "chaos-config-test-hash-key".getBytes(StandardCharsets.UTF_8);
        Contract customers = shipped.latest(CdcTables.CUSTOMERS).orElseThrow();
        io.meshspine.gate.internal.PiiMasker masker = new io.meshspine.gate.internal.PiiMasker(customers, key);
        List<List<String>> silver = List.of(List.of(masker.hash("CUS-1"), "NSW"), List.of(masker.hash("CUS-9"), "VIC"));
        assertThat(ChaosCommand.withSourceKeys(customers, key, List.of("CUS-1", "CUS-2"), silver))
                .containsExactly(List.of("CUS-1", "NSW"), List.of(masker.hash("CUS-9"), "VIC"));
        Contract payments = shipped.latest("payments.transactions").orElseThrow();
        assertThat(ChaosCommand.withSourceKeys(payments, key, List.of("T-1"), List.of(List.of("T-1")))).containsExactly(List.of("T-1"));
    }
}
