package io.meshspine.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.lineage.Datasets;
import io.meshspine.testkit.LineageSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import io.meshspine.testkit.KernelTable;

/** Checks the sink's run events against the table's Delta log: a run per commit, the commit's run id in its commitInfo. */
final class CommitRuns {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CommitRuns() {
    }

    /** The run id in each sink commit's commitInfo, by table version (maintenance commits carry none). */
    static Map<Long, String> runIdsByVersion(String tablePath) throws IOException {
        Map<Long, String> out = new HashMap<>();
        try (Stream<Path> files = Files.list(Path.of(Datasets.storage(tablePath)[1], "_delta_log"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).toList()) {
                long version = Long.parseLong(f.getFileName().toString().substring(0, 20));
                for (String line : Files.readAllLines(f)) {
                    JsonNode info = JSON.readTree(line).get("commitInfo");
                    if (info != null && info.at("/operationParameters").has("spine.runId")) {
                        out.put(version, info.at("/operationParameters").get("spine.runId").asText().replace("\"", ""));
                    }
                }
            }
        }
        return out;
    }

    /** Every run event on spine.lineage (the tests pick theirs by dataset). */
    static List<JsonNode> lineageTopic(io.meshspine.testkit.SpineTestKit kit) {
        var records = new java.util.ArrayList<JsonNode>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(kit.consumerConfig(io.meshspine.testkit.SpineTestKit.uniqueName("lineage")),
                new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer())) {
            var partitions = consumer.partitionsFor(io.meshspine.core.topic.Topics.LINEAGE).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(r -> records.add(LineageSpec.parse(r.value())));
            }
        }
        return records;
    }

    /** Rows out of the table's runs in pipeline_runs, read with Delta Kernel (0 while the table does not exist). */
    static long rowsOut(String historyPath, String tablePath) {
        if (!Files.exists(Path.of(Datasets.storage(historyPath)[1], "_delta_log"))) {
            return 0;
        }
        String name = Datasets.storage(tablePath)[1];
        return KernelTable.read(historyPath).rows().stream().filter(r -> ((String) r.get("outputs")).startsWith(name + "@"))
                .mapToLong(r -> (Long) r.get("rows_out")).sum();
    }

    /** pipeline_runs has exactly the ended runs of the events for these tables, with their state, job and counts. */
    static void assertHistoryMatches(String historyPath, List<JsonNode> events, String... tablePaths) {
        java.util.Set<String> names = java.util.Arrays.stream(tablePaths).map(p -> Datasets.storage(p)[1]).collect(Collectors.toSet());
        Map<String, JsonNode> ended = events.stream().filter(e -> e.get("eventType").asText().equals("COMPLETE"))
                .filter(e -> names.contains(e.at("/outputs/0/name").asText()))
                .collect(Collectors.toMap(e -> e.at("/run/runId").asText(), e -> e));
        List<Map<String, Object>> rows = KernelTable.read(historyPath).rows().stream()
                .filter(r -> names.stream().anyMatch(n -> ((String) r.get("outputs")).startsWith(n + "@"))).toList();
        assertThat(rows).extracting(r -> (String) r.get("run_id")).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ended.keySet());
        assertThat(rows).allSatisfy(r -> {
            JsonNode e = ended.get((String) r.get("run_id"));
            assertThat(r.get("job")).isEqualTo(e.at("/job/name").asText());
            assertThat(r.get("kind")).isEqualTo("commit");
            assertThat(r.get("state")).isEqualTo("COMPLETE");
            assertThat(r.get("rows_in")).isEqualTo(e.at("/run/facets/meshspine_run/rowsIn").asLong());
            assertThat(r.get("rows_out")).isEqualTo(e.at("/run/facets/meshspine_run/rowsOut").asLong());
            assertThat(r.get("dead_lettered")).isEqualTo(e.at("/run/facets/meshspine_run/deadLettered").asLong());
            assertThat(r.get("error")).isNull();
            assertThat((String) r.get("inputs")).startsWith(e.at("/inputs/0/namespace").asText() + "/" + e.at("/inputs/0/name").asText());
            assertThat((String) r.get("outputs")).endsWith("@" + e.at("/outputs/0/facets/version/datasetVersion").asText());
            assertThat(((java.time.Instant) r.get("started_at"))).isBeforeOrEqualTo((java.time.Instant) r.get("ended_at"));
        });
    }

    static void assertOneRunPerCommit(List<JsonNode> all, String tablePath, String topic, String bootstrap, long rows, long deadLettered,
                                      IntFunction<Optional<Long>> txnVersion) throws IOException {
        all.forEach(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        String[] table = Datasets.storage(tablePath);
        List<JsonNode> mine = all.stream().filter(e -> e.at("/outputs/0/name").asText().equals(table[1])).toList();
        assertThat(mine).isNotEmpty().allSatisfy(e -> {
            assertThat(e.at("/outputs/0/namespace").asText()).isEqualTo("file");
            assertThat(e.at("/inputs/0/namespace").asText()).isEqualTo(Datasets.kafkaNamespace(bootstrap)).startsWith("kafka://127.0.0.1:");
            assertThat(e.at("/inputs/0/name").asText()).isEqualTo(topic);
            assertThat(e.at("/job/name").asText()).startsWith("lake-sink.");
            assertThat(e.at("/outputs/0/facets/schema/fields").size()).isPositive();
            assertThat(e.at("/outputs/0/facets/ownership/owners/0/name").asText()).startsWith("team:");
        });
        Map<String, List<JsonNode>> byRun = mine.stream().collect(Collectors.groupingBy(e -> e.at("/run/runId").asText(), LinkedHashMap::new,
                Collectors.toList()));
        assertThat(byRun.values()).allSatisfy(events -> assertThat(events).extracting(e -> e.get("eventType").asText())
                .containsExactly("START", "COMPLETE"));
        List<JsonNode> completes = mine.stream().filter(e -> e.get("eventType").asText().equals("COMPLETE")).toList();
        assertThat(completes.stream().mapToLong(e -> e.at("/run/facets/meshspine_run/rowsOut").asLong()).sum()).isEqualTo(rows);
        assertThat(completes.stream().mapToLong(e -> e.at("/outputs/0/outputFacets/outputStatistics/rowCount").asLong()).sum()).isEqualTo(rows);
        assertThat(completes.stream().mapToLong(e -> e.at("/run/facets/meshspine_run/deadLettered").asLong()).sum()).isEqualTo(deadLettered);
        assertThat(completes).allSatisfy(e -> {
            assertThat(e.at("/outputs/0/outputFacets/outputStatistics/fileCount").asLong()).isPositive();
            assertThat(e.at("/outputs/0/outputFacets/outputStatistics/size").asLong()).isPositive();
        });

        Map<Long, String> commits = runIdsByVersion(tablePath);
        Map<Long, String> fromEvents = completes.stream().collect(Collectors.toMap(
                e -> Long.parseLong(e.at("/outputs/0/facets/version/datasetVersion").asText()), e -> e.at("/run/runId").asText()));
        assertThat(fromEvents).isEqualTo(commits);

        Map<Integer, Long> lastOffsets = new HashMap<>();
        for (JsonNode e : completes) {
            for (JsonNode p : e.at("/inputs/0/inputFacets/meshspine_kafkaOffsets/partitions")) {
                assertThat(p.get("toOffset").asLong()).isGreaterThanOrEqualTo(p.get("fromOffset").asLong());
                lastOffsets.merge(p.get("partition").asInt(), p.get("toOffset").asLong(), Math::max);
            }
        }
        assertThat(lastOffsets).isNotEmpty();
        lastOffsets.forEach((partition, last) -> assertThat(txnVersion.apply(partition)).contains(last));
    }
}
