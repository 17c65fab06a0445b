package io.meshspine.sink;

import io.meshspine.core.contract.ServiceLevels;
import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import io.meshspine.testkit.LineageSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import io.meshspine.testkit.KernelTable;

/** {@code spine runs} over a pipeline_runs table made from real run events (no broker: the table is written directly). */
class RunsCommandTest {

    @Test
    void runs_lists_the_history_newest_first_and_filters_by_job_time_and_failure(@TempDir Path lake, @TempDir Path lineage) {
        Path events = lineage.resolve("events.jsonl");
        LineageRun ok;
        LineageRun quarantined;
        try (LineageEmitter emitter = LineageEmitter.start(LineageConfig.toFile(events), new SimpleMeterRegistry())) {
            // Judged by the contract's SLOs: 1 of 10 dead-lettered is within completeness 0.9; a failed run misses.
            ServiceLevels slos = new ServiceLevels(Optional.of(Duration.ofHours(1)), java.util.OptionalDouble.of(0.9));
            ok = emitter.begin("lake-sink.silver.lending.loan_applications_v1", RunKind.COMMIT, null, List.of(), List.of()).serviceLevels(slos);
            ok.complete(new RunSummary(RunKind.COMMIT, 10, 9, 1), List.of(Datasets.kafkaInput("127.0.0.1:9092", "lending.loan_applications.v1")),
                    List.of(Datasets.storageOutput(lake.resolve("silver/lending/loan_applications_v1").toString()).withFacet(Facets.VERSION, Facets.version("3"))));
            quarantined = emitter.begin("file-lane.lending.loan_applications.v1", RunKind.FILE, null, List.of(), List.of()).serviceLevels(slos);
            quarantined.fail("quarantined: column 2 (customer) is not a field", new RunSummary(RunKind.FILE, 0, 0, 0), List.of(), List.of());
            assertThat(emitter.flush(Duration.ofSeconds(10))).isTrue();
        }
        List<GenericRecord> rows = LineageSpec.readLines(events).stream().map(RunHistory::row).flatMap(Optional::stream).toList();
        assertThat(rows).hasSize(2);
        RunHistory history = new RunHistory(lake.toString(), Map.of());
        assertThat(history.append(rows, "cluster-1", Map.of(0, new long[]{0, 3}))).isTrue();
        // The same offsets again (a restarted writer) add nothing.
        assertThat(history.append(rows, "cluster-1", Map.of(0, new long[]{2, 3}))).isFalse();
        assertThat(history.committedOffset("cluster-1", 0)).isEqualTo(3);

        KernelTable.Contents table = KernelTable.read(history.path());
        assertThat(table.rows()).hasSize(2);
        Map<String, Object> commit = table.rows().stream().filter(r -> r.get("run_id").equals(ok.runId().toString())).findFirst().orElseThrow();
        assertThat(commit).containsEntry("state", "COMPLETE").containsEntry("kind", "commit").containsEntry("rows_in", 10L)
                .containsEntry("rows_out", 9L).containsEntry("dead_lettered", 1L).containsEntry("slo_state", "MET");
        assertThat(table.rows()).filteredOn(r -> r.get("run_id").equals(quarantined.runId().toString())).extracting(r -> r.get("slo_state"))
                .containsExactly("MISSED");
        assertThat((String) commit.get("outputs")).isEqualTo(lake.resolve("silver/lending/loan_applications_v1").toAbsolutePath() + "@3");
        assertThat((String) commit.get("inputs")).isEqualTo("kafka://127.0.0.1:9092/lending.loan_applications.v1");

        assertThat(run(lake, "--lake", lake.toString())).contains(ok.runId().toString(), quarantined.runId().toString());
        String failedOnly = run(lake, "--lake", lake.toString(), "--failed");
        assertThat(failedOnly).contains(quarantined.runId().toString(), "FAIL", "quarantined: column 2 (customer) is not a field")
                .doesNotContain(ok.runId().toString());
        assertThat(run(lake, "--lake", lake.toString(), "--slo-missed")).contains(quarantined.runId().toString(), "MISSED")
                .doesNotContain(ok.runId().toString());
        assertThat(run(lake, "--lake", lake.toString(), "--job", "lake-sink")).contains(ok.runId().toString()).doesNotContain(quarantined.runId().toString());
        assertThat(run(lake, "--lake", lake.toString(), "--since", "1h")).contains(ok.runId().toString());
        assertThat(run(lake, "--lake", lake.toString(), "--since", "2999-01-01T00:00:00Z")).contains("no runs");
    }

    private static String run(Path lake, String... args) {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new RunsCommand()).setOut(new PrintWriter(out)).execute(args);
        assertThat(code).isZero();
        return out.toString();
    }
}
