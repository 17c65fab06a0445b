package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** The spine's services: compose name (also the `spine run` mode) → module holding its Dockerfile, and ops port. */
    private static final Map<String, Module> SPINE_SERVICES = Map.of(
            "gate", new Module("stream-processors", 9400),
            "sink", new Module("lake-sink", 9401),
            "ingest", new Module("ingest-cdc", 9402),
            "dlq-api", new Module("dlq-replay", 9403));

    private record Module(String directory, int opsPort) {
    }

    @Test
    void every_spine_service_is_built_by_its_modules_dockerfile_from_the_launcher_and_runs_with_its_config_file() throws Exception {
        JsonNode services = compose().path("services");
        Pattern copy = Pattern.compile("(?m)^COPY\\s+(\\S+)\\s+(\\S+)\\s*$");
        SPINE_SERVICES.forEach((name, module) -> {
            JsonNode spec = services.path(name);
            String config = "/etc/spine/" + name + ".properties";
            assertThat(spec.path("build").path("context").asText()).as(name).isEqualTo(".");
            assertThat(spec.path("build").path("dockerfile").asText()).as(name).isEqualTo(module.directory() + "/Dockerfile");
            assertThat(spec.path("command").toString()).as(name).isEqualTo("[\"run\",\"" + name + "\",\"--config\",\"" + config + "\"]");
            assertThat(spec.path("volumes").toString()).as(name).contains("./ops/config/" + name + ".properties:" + config + ":ro");

            String dockerfile = read(REPO.resolve(module.directory()).resolve("Dockerfile"));
            assertThat(dockerfile).as(name).contains("FROM eclipse-temurin:17-jre")
                    .contains("CMD [\"run\", \"" + name + "\", \"--config\", \"" + config + "\"]")
                    .contains("\"-jar\", \"/opt/spine/spine-cli.jar\"");
            Matcher m = copy.matcher(dockerfile);
            List<String> sources = new ArrayList<>();
            while (m.find()) {
                sources.add(m.group(1));
            }
            // The launcher is a build output (./mvnw package -pl spine-cli -am); everything else must be in the repo.
            assertThat(sources).as(name).contains("spine-cli/target/spine-cli.jar", "spine-cli/target/lib/");
            sources.stream().filter(s -> !s.startsWith("spine-cli/target/"))
                    .forEach(s -> assertThat(REPO.resolve(s)).as("%s copies %s", name, s).exists());
        });
    }

    @Test
    void every_spine_service_publishes_its_ops_port_on_loopback_where_its_config_and_prometheus_expect_it() throws Exception {
        JsonNode services = compose().path("services");
        JsonNode scrape = new ObjectMapper(new YAMLFactory()).readTree(REPO.resolve("ops/prometheus/prometheus.yml").toFile()).path("scrape_configs");
        String kafkaInternal = services.path("kafka").path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText();
        SPINE_SERVICES.forEach((name, module) -> {
            Properties config = properties(REPO.resolve("ops/config/" + name + ".properties"));
            int port = module.opsPort();

            assertThat(config.getProperty("ops.port")).as(name).isEqualTo(String.valueOf(port));
            assertThat(kafkaInternal).as(name).contains("//" + config.getProperty("kafka.bootstrap.servers"));
            assertThat(config.getProperty("registry.url")).as(name).isEqualTo("http://registry:8080/apis/registry/v3");
            assertThat(services.path(name).path("ports").get(0).asText()).as(name).isEqualTo("127.0.0.1:" + port + ":" + port);
            List<String> targets = new ArrayList<>();
            scrape.forEach(job -> {
                if (job.path("job_name").asText().equals("spine-" + name)) {
                    job.path("static_configs").forEach(c -> c.path("targets").forEach(t -> targets.add(t.asText())));
                }
            });
            assertThat(targets).as("Prometheus job spine-%s", name).containsExactly(name + ":" + port);
        });
    }

    @Test
    void the_demo_traffic_runs_only_in_the_demo_profile_with_options_the_demo_command_has() throws Exception {
        JsonNode traffic = compose().path("services").path("demo-traffic");
        CommandLine demo = Spine.commandLine().getSubcommands().get("demo");
        List<String> command = new ArrayList<>();
        traffic.path("command").forEach(c -> command.add(c.asText()));

        assertThat(traffic.path("profiles").toString()).isEqualTo("[\"demo\"]");
        assertThat(traffic.path("build").path("dockerfile").asText()).isEqualTo(SPINE_SERVICES.get("gate").directory() + "/Dockerfile");
        assertThat(command).first().isEqualTo("demo");
        command.stream().filter(arg -> arg.startsWith("--"))
                .forEach(option -> assertThat(demo.getCommandSpec().findOption(option)).as("demo has %s", option).isNotNull());
        assertThat(command).containsSubsequence("--kafka", "kafka:29092").containsSubsequence("--registry", "http://registry:8080/apis/registry/v3");
    }

    @Test
    void every_config_file_path_and_address_is_a_volume_or_a_service_of_the_stack() throws Exception {
        JsonNode services = compose().path("services");
        Map<String, String> pathSettings = Map.of("gate", "gate.state-dir", "sink", "sink.lake", "ingest", "file.landing");
        pathSettings.forEach((service, key) -> {
            String path = properties(REPO.resolve("ops/config/" + service + ".properties")).getProperty(key);
            assertThat(path).as("%s sets %s", service, key).isNotBlank();
            List<String> namedVolumeTargets = new ArrayList<>();
            services.path(service).path("volumes").forEach(v -> {
                String[] parts = v.asText().split(":");
                if (!parts[0].startsWith("./") && compose0().path("volumes").has(parts[0])) {
                    namedVolumeTargets.add(parts[1]);
                }
            });
            assertThat(namedVolumeTargets).as("%s: %s is on a named volume", service, key).contains(path);
        });

        Properties ingest = properties(REPO.resolve("ops/config/ingest.properties"));
        for (String source : List.of("postgres", "mariadb")) {
            assertThat(services.has(ingest.getProperty("cdc." + source + ".host"))).as("cdc.%s.host is a compose service", source).isTrue();
            String published = services.path(source).path("ports").get(0).asText();
            assertThat(published).as(source).endsWith(":" + ingest.getProperty("cdc." + source + ".port"));
            assertThat(services.path("ingest").path("depends_on").has(source)).isTrue();
        }
        assertThat(services.path("ingest").path("environment").path("SPINE_CDC_POSTGRES_PASSWORD").asText())
                .isEqualTo(services.path("postgres").path("environment").path("POSTGRES_PASSWORD").asText());
        assertThat(services.path("mariadb").path("environment").path("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD").asText()).isEqualTo("yes");
        assertThat(ingest.getProperty("cdc.mariadb.user", "root")).isEqualTo("root");

        for (String service : SPINE_SERVICES.keySet()) {
            assertThat(properties(REPO.resolve("ops/config/" + service + ".properties")).getProperty("ops.host"))
                    .as("%s serves /metrics beyond the container's loopback", service).isEqualTo("0.0.0.0");
        }
    }

    @Test
    void the_dlq_api_listens_on_all_container_interfaces_on_the_port_compose_publishes_with_the_generated_tokens(@org.junit.jupiter.api.io.TempDir Path secrets)
            throws Exception {
        JsonNode dlqApi = compose().path("services").path("dlq-api");
        Path configFile = REPO.resolve("ops/config/dlq-api.properties");
        Properties config = properties(configFile);
        String port = config.getProperty("dlq.http.port");

        assertThat(config.getProperty("dlq.http.host")).isEqualTo("0.0.0.0");
        List<String> ports = new ArrayList<>();
        dlqApi.path("ports").forEach(p -> ports.add(p.asText()));
        assertThat(ports).contains("127.0.0.1:" + port + ":" + port);
        assertThat(read(REPO.resolve("dlq-replay/Dockerfile"))).containsPattern("(?m)^EXPOSE .*\\b" + port + "\\b");
        assertThat(read(REPO.resolve("ops/README.md"))).contains("127.0.0.1:" + port);

        // The tokens: the generated env file, read by compose as env_file, loaded as `spine run dlq-api` loads it.
        for (String service : List.of("gate", "dlq-api", "demo-traffic")) {
            assertThat(compose().path("services").path(service).path("env_file").toString()).as(service).contains("./ops/secrets/dev.env");
            assertThat(compose().path("services").path(service).path("environment").has("SPINE_GATE_HASH_KEY"))
                    .as("%s: an environment entry would override the env file", service).isFalse();
        }
        assertThat(read(REPO.resolve("ops/secrets/.gitignore"))).contains("*");
        io.meshspine.cli.ops.DevSecrets generated = io.meshspine.cli.ops.DevSecrets.generate(List.of("payments", "crm"));
        generated.writeTo(secrets);
        Map<String, String> env = envFile(secrets.resolve(io.meshspine.cli.ops.DevSecrets.ENV_FILE));
        assertThat(read(secrets.resolve(io.meshspine.cli.ops.DevSecrets.ENV_FILE))).doesNotContain(generated.tokens().get(0).plain());

        io.meshspine.dlq.DlqConfig dlq = io.meshspine.dlq.DlqSettings.toDlqConfig(
                io.meshspine.cli.run.Services.find("dlq-api").orElseThrow().definition().load(configFile, env));
        assertThat(dlq.httpHost()).isEqualTo("0.0.0.0");
        assertThat(dlq.httpPort()).isEqualTo(Integer.parseInt(port));
        assertThat(dlq.tokens()).hasSize(3);
        for (io.meshspine.cli.ops.DevSecrets.DevToken token : generated.tokens()) {
            assertThat(read(secrets.resolve(io.meshspine.cli.ops.DevSecrets.TOKENS_FILE))).contains(token.plain());
            byte[] presented = java.security.MessageDigest.getInstance("SHA-256").digest(token.plain().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(dlq.tokens()).as(token.name()).anyMatch(t -> t.matches(presented) && t.role().configValue().equals(token.role()));
        }
        // The same file gives the gate its hash key.
        assertThat(io.meshspine.cli.run.Services.find("gate").orElseThrow().definition().load(REPO.resolve("ops/config/gate.properties"), env)
                .get(io.meshspine.gate.GateSettings.HASH_KEY)).isEqualTo(generated.hashKey());
    }

    @Test
    void the_registry_keeps_its_schemas_in_the_compose_postgresql_database_the_init_script_creates() throws Exception {
        JsonNode services = compose().path("services");
        JsonNode registry = services.path("registry").path("environment");
        assertThat(registry.path("APICURIO_STORAGE_KIND").asText()).isEqualTo("sql");
        assertThat(registry.path("APICURIO_STORAGE_SQL_KIND").asText()).isEqualTo("postgresql");
        assertThat(registry.path("APICURIO_DATASOURCE_URL").asText()).isEqualTo("jdbc:postgresql://postgres:5432/registry");
        assertThat(registry.path("APICURIO_DATASOURCE_PASSWORD").asText())
                .isEqualTo(services.path("postgres").path("environment").path("POSTGRES_PASSWORD").asText());
        assertThat(services.path("registry").path("depends_on").path("postgres").path("condition").asText()).isEqualTo("service_healthy");
        assertThat(services.path("postgres").path("volumes").toString()).contains("./ops/postgres/initdb:/docker-entrypoint-initdb.d:ro");
        assertThat(read(REPO.resolve("ops/postgres/initdb/01-registry.sql"))).contains("CREATE DATABASE registry;");
    }

    @Test
    void the_topics_and_schemas_are_provisioned_once_by_contracts_commands_before_any_spine_service_starts() throws Exception {
        JsonNode services = compose().path("services");
        CommandLine contracts = Spine.commandLine().getSubcommands().get("contracts");
        Map<String, String> oneShots = Map.of("provision", "kafka", "register", "registry");
        oneShots.forEach((name, needs) -> {
            JsonNode spec = services.path(name);
            List<String> command = new ArrayList<>();
            spec.path("command").forEach(c -> command.add(c.asText()));
            assertThat(command).as(name).startsWith("contracts", name);
            CommandLine sub = contracts.getSubcommands().get(name);
            command.stream().filter(a -> a.startsWith("--")).forEach(o -> assertThat(sub.getCommandSpec().findOption(o)).as("%s has %s", name, o).isNotNull());
            String dir = command.get(command.indexOf("--dir") + 1);
            assertThat(spec.path("volumes").toString()).as(name).contains("./schemas:" + dir + ":ro");
            assertThat(spec.path("restart").asText()).isEqualTo("no");
            assertThat(spec.path("depends_on").path(needs).path("condition").asText()).isEqualTo("service_healthy");
        });
        assertThat(services.path("provision").path("command").toString()).contains("kafka:29092");
        assertThat(services.path("register").path("command").toString()).contains("http://registry:8080/apis/registry/v3");
        for (String service : List.of("gate", "sink", "ingest", "dlq-api", "demo-traffic")) {
            for (String oneShot : oneShots.keySet()) {
                assertThat(services.path(service).path("depends_on").path(oneShot).path("condition").asText())
                        .as("%s waits for %s", service, oneShot).isEqualTo("service_completed_successfully");
            }
        }
        assertThat(compose().path("services").path("kafka").path("environment").path("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText()).isEqualTo("false");
    }

    /** A compose env file: KEY=VALUE lines, the value the rest of the line; # comments. */
    static Map<String, String> envFile(Path file) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String line : read(file).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return env;
    }

    private static JsonNode compose0() {
        try {
            return compose();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Properties properties(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    private static JsonNode compose() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(REPO.resolve("docker-compose.yml").toFile());
    }
}
