package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.testkit.ApicurioRegistryServer;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.SourceDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The compose registry's storage settings, as written in docker-compose.yml, on a real Apicurio Registry against the
 * machine's PostgreSQL: a schema registered before a restart is there after it, under the same ids.
 */
class ComposeRegistryStorageTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final String SCHEMA = """
            {"type":"record","name":"Probe","namespace":"io.meshspine.ops","fields":[{"name":"id","type":"string"}]}""";

    private final String database = "meshspine_registry_" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Process> registries = new ArrayList<>();

    @TempDir
    Path work;

    @AfterEach
    void stopRegistriesAndDropTheDatabase() throws Exception {
        for (Process p : registries) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try (Connection c = SourceDatabases.postgres(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Test
    void a_schema_registered_before_a_registry_restart_is_found_after_it_under_the_same_ids() throws Exception {
        try (Connection c = SourceDatabases.postgres(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        JsonNode environment = new ObjectMapper(new YAMLFactory()).readTree(REPO.resolve("docker-compose.yml").toFile())
                .path("services").path("registry").path("environment");
        Map<String, String> env = new java.util.HashMap<>();
        environment.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        // The compose service names resolve inside compose only: the same URL with the machine's PostgreSQL and our database.
        String composeUrl = env.get("APICURIO_DATASOURCE_URL");
        assertThat(composeUrl).startsWith("jdbc:postgresql://postgres:5432/");
        env.put("APICURIO_DATASOURCE_URL", SourceDatabases.POSTGRES_URL.replaceFirst("/[^/]*$", "/" + database));
        env.put("APICURIO_DATASOURCE_USERNAME", SourceDatabases.POSTGRES_USER);

        String first = start(env);
        ApicurioClient.ArtifactVersion registered = accepted(new ApicurioClient(first + "/apis/registry/v3")
                .findOrCreateVersion("ops-probe", "probe-value", "AVRO", SCHEMA));
        stop(registries.get(0));

        String second = start(env);
        ApicurioClient again = new ApicurioClient(second + "/apis/registry/v3");
        assertThat(again.versions("ops-probe", "probe-value")).extracting(ApicurioClient.ArtifactVersion::globalId)
                .containsExactly(registered.globalId());
        assertThat(again.contentById(registered.contentId())).hasValueSatisfying(content -> assertThat(content).contains("\"Probe\""));
    }

    private static ApicurioClient.ArtifactVersion accepted(ApicurioClient.Outcome<ApicurioClient.ArtifactVersion> outcome) {
        assertThat(outcome).isInstanceOf(ApicurioClient.Accepted.class);
        return ((ApicurioClient.Accepted<ApicurioClient.ArtifactVersion>) outcome).value();
    }

    /** The registry's own runner, its storage configured by the environment only, as in the container. */
    private String start(Map<String, String> env) throws Exception {
        int port = FreePorts.next();
        Path runner;
        try (var files = Files.list(ApicurioRegistryServer.distributionHome())) {
            runner = files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst().orElseThrow();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xmx256m", "-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp-" + port)),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port, "-Dquarkus.management.enabled=false",
                "-Dquarkus.log.level=WARN", "-jar", runner.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("registry-" + port + ".log").toFile());
        builder.environment().putAll(env);
        Process registry = builder.start();
        registries.add(registry);
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await("the registry on PostgreSQL is ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            assertThat(registry.isAlive()).as("registry alive; log:\n%s", Files.readString(work.resolve("registry-" + port + ".log"))).isTrue();
            try {
                return http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (java.io.IOException notYet) {
                return false;
            }
        });
        return base;
    }

    private static void stop(Process registry) throws Exception {
        registry.destroy();
        assertThat(registry.waitFor(60, TimeUnit.SECONDS)).as("registry stops on SIGTERM").isTrue();
    }
}
