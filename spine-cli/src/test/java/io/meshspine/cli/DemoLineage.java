package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.testkit.KernelTable;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.testkit.LineageSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 20's "done when" on the demo's own traffic through every lane (events, the gate, CDC from PostgreSQL and MariaDB,
 * files, the sink): the run history ({@code <lake>/ops/pipeline_runs}, read with Delta Kernel) and the events file
 * ({@code lineage/events.jsonl}, checked against the OpenLineage spec by {@link LineageSpec}).
 */
final class DemoLineage {

    private static final Contract LOANS = ContractCatalog.fromClasspath().latest("lending.loan_applications").orElseThrow();

    private DemoLineage() {
    }

    /** A loans file whose header is not the contract's: the lane quarantines it. */
    static void dropQuarantinedFile(Path work) throws Exception {
        Path dir = work.resolve("landing").resolve(((SourceBinding.File) LOANS.source()).landingGlob()).getParent();
        Files.createDirectories(dir);
        Path part = dir.resolve("not-loans.csv.part");
        Files.writeString(part, "colour,shape\nred,round\n", StandardCharsets.UTF_8);
        Files.move(part, dir.resolve("not-loans.csv"), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * While the demo runs: a row per run of every lane, with counts that match the topics and tables, and
     * {@code ./spine runs} showing them.
     */
    static void assertTheRunHistory(Path work, String bootstrap) {
        String runs = work.resolve("lake").resolve("ops").resolve("pipeline_runs").toString();
        long loansOnRaw = recordsOn(bootstrap, LOANS.rawTopic());
        String loansGate = "gate." + LOANS.qualifiedName() + ".interval";
        await("pipeline_runs holds every lane's runs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            List<Map<String, Object>> rows = KernelTable.read(runs).rows();
            assertThat(rows).extracting(r -> r.get("job") + " " + r.get("state")).contains(
                    "file-lane.lending.loan_applications.v1 COMPLETE", "file-lane.lending.loan_applications.v1 FAIL",
                    "cdc.crm.customers.v1.snapshot COMPLETE", "cdc.accounts.services.v1.snapshot COMPLETE");
            assertThat(rows).anyMatch(r -> r.get("kind").equals("commit") && r.get("job").toString().startsWith("lake-sink.bronze."));
            // The loans the gate evaluated are the loans on the raw topic: only the file lane writes there.
            assertThat(rows.stream().filter(r -> r.get("job").equals(loansGate)).mapToLong(r -> (Long) r.get("rows_in")).sum())
                    .isEqualTo(loansOnRaw);
        });
        List<Map<String, Object>> rows = KernelTable.read(runs).rows();
        assertThat(rows.stream().map(r -> r.get("run_id")).collect(Collectors.toSet())).as("one row per run").hasSize(rows.size());
        Map<String, Object> quarantined = rows.stream().filter(r -> r.get("kind").equals("file") && r.get("state").equals("FAIL"))
                .findFirst().orElseThrow();
        assertThat((String) quarantined.get("error")).startsWith("quarantined: ");
        assertThat(quarantined.get("slo_state")).isEqualTo("MISSED");
        assertThat((String) quarantined.get("inputs")).endsWith("not-loans.csv");
        // The sample file: 20 rows, one that does not type dead-lettered by the lane; what it wrote is what the raw topic holds.
        List<Map<String, Object>> files = rows.stream().filter(r -> r.get("kind").equals("file") && r.get("state").equals("COMPLETE")).toList();
        assertThat(files).extracting(r -> r.get("rows_in") + " = " + r.get("rows_out") + " + " + r.get("dead_lettered")).containsOnly("20 = 19 + 1");
        assertThat(files.stream().mapToLong(r -> (Long) r.get("rows_out")).sum()).isEqualTo(loansOnRaw);
        for (String contract : List.of("crm.customers.v1", "accounts.services.v1")) {
            Map<String, Object> snapshot = rows.stream().filter(r -> r.get("job").equals("cdc." + contract + ".snapshot")).findFirst().orElseThrow();
            // The seeded rows as the snapshot found them (the demo starts changing the table while the capture starts).
            assertThat((Long) snapshot.get("rows_out")).as(contract).isPositive().isEqualTo(snapshot.get("rows_in"));
            assertThat((String) snapshot.get("inputs")).matches(contract.startsWith("crm")
                    ? "postgres://[^/]+:\\d+/[^.]+\\.public\\.customers" : "mysql://[^/]+:\\d+/[^.]+\\.services");
        }
        assertBronzeCommitsAddUp(rows);

        StringWriter out = new StringWriter();
        assertThat(Spine.commandLine().setOut(new PrintWriter(out)).execute("runs", "--lake", work.resolve("lake").toString(), "--failed")).isZero();
        assertThat(out.toString()).contains("file-lane.lending.loan_applications.v1", "quarantined: ", quarantined.get("run_id").toString());
    }

    /** Each Bronze table at the newest version a commit run names holds exactly the rows those commit runs wrote. */
    private static void assertBronzeCommitsAddUp(List<Map<String, Object>> rows) {
        Map<String, Long> newest = new HashMap<>();
        Map<String, List<long[]>> writtenByTable = new HashMap<>();
        rows.stream().filter(r -> r.get("kind").equals("commit") && r.get("state").equals("COMPLETE")
                && r.get("job").toString().startsWith("lake-sink.bronze.")).forEach(r -> {
            String output = (String) r.get("outputs");
            int at = output.lastIndexOf('@');
            String table = output.substring(0, at);
            long version = Long.parseLong(output.substring(at + 1));
            newest.merge(table, version, Math::max);
            writtenByTable.computeIfAbsent(table, t -> new java.util.ArrayList<>()).add(new long[]{version, (Long) r.get("rows_out")});
        });
        assertThat(newest).isNotEmpty();
        newest.forEach((table, version) -> {
            long written = writtenByTable.get(table).stream().filter(v -> v[0] <= version).mapToLong(v -> v[1]).sum();
            assertThat((long) KernelTable.readVersion(table, version).rows().size()).as(table + "@" + version).isEqualTo(written);
        });
    }

    /**
     * After the demo stopped: every event passes the spec check; every run that started ended (COMPLETE, FAIL or
     * ABORT), CDC streaming runs included; the quarantined file's FAIL says why.
     */
    static void assertTheEventsFile(Path work) {
        List<JsonNode> events = LineageSpec.readLines(work.resolve("lineage").resolve("events.jsonl"));
        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        Set<String> started = new HashSet<>();
        Set<String> ended = new HashSet<>();
        for (JsonNode e : events) {
            String type = e.path("eventType").asText();
            String run = e.at("/run/runId").asText();
            if (type.equals("START")) {
                started.add(run);
            } else if (type.equals("COMPLETE") || type.equals("FAIL") || type.equals("ABORT")) {
                ended.add(run);
            }
        }
        assertThat(ended).as("runs that started and never ended").containsAll(started);
        assertThat(events).anyMatch(e -> e.path("eventType").asText().equals("FAIL") && e.at("/job/name").asText().startsWith("file-lane.")
                && e.at("/run/facets/errorMessage/message").asText().startsWith("quarantined: "));
        for (String contract : List.of("crm.customers.v1", "accounts.services.v1")) {
            assertThat(events).as(contract).anyMatch(e -> e.path("eventType").asText().equals("RUNNING") && e.at("/job/name").asText().equals("cdc." + contract))
                    .anyMatch(e -> e.path("eventType").asText().equals("COMPLETE") && e.at("/job/name").asText().equals("cdc." + contract));
        }
    }

    /** Records on a topic, transaction markers not counted. */
    private static long recordsOn(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long n = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                n += c.poll(Duration.ofMillis(200)).count();
            }
            return n;
        }
    }
}
