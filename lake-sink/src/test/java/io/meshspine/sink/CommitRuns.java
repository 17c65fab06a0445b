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

    static void assertOneRunPerCommit(Path eventsFile, String tablePath, String topic, String bootstrap, long rows, long deadLettered,
                                      IntFunction<Optional<Long>> txnVersion) throws IOException {
        List<JsonNode> all = LineageSpec.readLines(eventsFile);
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
