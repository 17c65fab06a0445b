package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** docker-compose.yml cannot run here (no Docker engine), so what can be checked without Docker is checked. */
class ComposeFileTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @Test
    void every_service_has_an_image_or_build_and_every_mounted_file_exists_in_the_repo() throws Exception {
        JsonNode services = compose().path("services");
        assertThat(services.size()).isGreaterThanOrEqualTo(6);
        List<String> missing = new ArrayList<>();
        services.fields().forEachRemaining(service -> {
            JsonNode spec = service.getValue();
            assertThat(spec.has("image") || spec.has("build")).as("%s has an image or a build", service.getKey()).isTrue();
            if (spec.has("build")) {
                String context = spec.get("build").isTextual() ? spec.get("build").asText() : spec.get("build").path("context").asText();
                if (!Files.isDirectory(REPO.resolve(context))) {
                    missing.add(service.getKey() + " build context " + context);
                }
            }
            spec.path("volumes").forEach(volume -> {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./") && !Files.exists(REPO.resolve(source))) {
                    missing.add(service.getKey() + " mounts " + source);
                }
            });
        });
        assertThat(missing).isEmpty();
    }

    @Test
    void the_stack_publishes_kafka_and_the_registry_on_the_ports_the_demo_prefers_and_only_on_loopback() throws Exception {
        JsonNode services = compose().path("services");
        CommandLine demo = Spine.commandLine().getSubcommands().get("demo");
        String kafkaPort = demo.getCommandSpec().findOption("--kafka-port").defaultValue();
        String registryPort = demo.getCommandSpec().findOption("--registry-port").defaultValue();

        assertThat(services.path("kafka").path("ports").get(0).asText()).isEqualTo("127.0.0.1:" + kafkaPort + ":9092");
        assertThat(services.path("registry").path("ports").get(0).asText()).isEqualTo("127.0.0.1:" + registryPort + ":8080");
        services.forEach(spec -> spec.path("ports").forEach(port -> assertThat(port.asText()).startsWith("127.0.0.1:")));
    }

    @Test
    void postgresql_and_mariadb_are_configured_for_cdc_as_ci_configures_the_machine() throws Exception {
        JsonNode services = compose().path("services");
        assertThat(services.path("postgres").path("command").toString()).contains("wal_level=logical");
        assertThat(services.path("mariadb").path("command").toString()).contains("--binlog-format=ROW").contains("--log-bin");
    }

    private static JsonNode compose() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(REPO.resolve("docker-compose.yml").toFile());
    }
}
