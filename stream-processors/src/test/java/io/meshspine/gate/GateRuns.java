package io.meshspine.gate;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.contract.Contract;
import io.meshspine.testkit.LineageSpec;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks the gate's run events against the topics: interval counts, failures per rule, run ids in product headers. */
final class GateRuns {

    private GateRuns() {
    }

    static void assertIntervalsMatch(Path eventsFile, Contract contract, SpineTestKit kit, long in, long passed, long dead,
                                     Map<String, Long> failures) {
        List<JsonNode> all = LineageSpec.readLines(eventsFile);
        all.forEach(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        String lifeJob = "gate." + contract.qualifiedName();
        List<JsonNode> life = all.stream().filter(e -> e.at("/job/name").asText().equals(lifeJob)).toList();
        assertThat(life).extracting(e -> e.get("eventType").asText()).startsWith("START", "RUNNING").endsWith("COMPLETE");
        assertThat(life).extracting(e -> e.at("/run/runId").asText()).containsOnly(life.get(0).at("/run/runId").asText());
        JsonNode lifeEnd = life.get(life.size() - 1);
        assertThat(lifeEnd.at("/run/facets/meshspine_run/rowsIn").asLong()).isEqualTo(in);
        assertThat(lifeEnd.at("/run/facets/meshspine_run/rowsOut").asLong()).isEqualTo(passed);
        assertThat(lifeEnd.at("/run/facets/meshspine_run/deadLettered").asLong()).isEqualTo(dead);
        assertThat(lifeEnd.at("/job/facets/jobType/processingType").asText()).isEqualTo("STREAMING");

        List<JsonNode> intervals = all.stream().filter(e -> e.at("/job/name").asText().equals(lifeJob + ".interval")).toList();
        Map<String, List<String>> byRun = intervals.stream().collect(Collectors.groupingBy(e -> e.at("/run/runId").asText(),
                Collectors.mapping(e -> e.get("eventType").asText(), Collectors.toList())));
        assertThat(byRun.values()).allSatisfy(types -> assertThat(types).containsExactly("START", "COMPLETE"));
        assertThat(intervals).allSatisfy(e -> assertThat(e.at("/run/facets/parent/run/runId").asText()).isEqualTo(lifeEnd.at("/run/runId").asText()));
        List<JsonNode> completes = intervals.stream().filter(e -> e.get("eventType").asText().equals("COMPLETE")).toList();
        assertThat(completes.stream().mapToLong(e -> e.at("/run/facets/meshspine_run/rowsIn").asLong()).sum()).isEqualTo(in);
        assertThat(completes.stream().mapToLong(e -> e.at("/inputs/0/inputFacets/dataQualityMetrics/rowCount").asLong()).sum()).isEqualTo(in);
        failures.forEach((rule, count) -> assertThat(completes.stream()
                .mapToLong(e -> e.at("/inputs/0/inputFacets/meshspine_ruleCounts/failuresByRule").path(rule).asLong()).sum())
                .as(rule).isEqualTo(count));
        JsonNode first = completes.get(0);
        assertThat(first.at("/inputs/0/name").asText()).isEqualTo(contract.rawTopic());
        assertThat(first.at("/outputs/0/name").asText()).isEqualTo(contract.productTopic());
        assertThat(first.at("/outputs/0/facets/ownership/owners/0/name").asText()).isEqualTo("team:" + contract.team().name());
        assertThat(first.at("/outputs/1/name").asText()).isEqualTo(io.meshspine.core.topic.Topics.DLQ);

        // Every product record carries the id of the interval run that passed it, and each run's count is its records'.
        Map<String, Long> passedByRun = completes.stream().collect(Collectors.toMap(e -> e.at("/run/runId").asText(),
                e -> e.at("/run/facets/meshspine_run/rowsOut").asLong()));
        List<ConsumerRecord<byte[], byte[]>> products = kit.awaitRecords(contract.productTopic(), (int) passed, new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), Duration.ofSeconds(30));
        Map<String, Long> recordsByRun = products.stream().collect(Collectors.groupingBy(r -> {
            Header h = r.headers().lastHeader(SpineHeaders.RUN_ID);
            return h == null ? "none" : new String(h.value(), StandardCharsets.UTF_8);
        }, Collectors.counting()));
        passedByRun.values().removeIf(v -> v == 0);
        assertThat(recordsByRun).isEqualTo(passedByRun);
    }
}
