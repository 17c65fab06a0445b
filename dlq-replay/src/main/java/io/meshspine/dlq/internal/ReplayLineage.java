package io.meshspine.dlq.internal;

import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.Outcome;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A replay's lineage: one run per replay job ({@code dlq-replay}), from {@code spine.dlq} to the raw topics its dead
 * letters go back to. COMPLETE with the records selected (in), replayed (out) and refused or parked (dead-lettered
 * column: they stay out of the raw topics); FAIL with the reason when the replay stopped.
 */
public final class ReplayLineage {

    static final String JOB = "dlq-replay";

    private final LineageEmitter emitter;
    private final String bootstrapServers;

    public ReplayLineage(LineageEmitter emitter, String bootstrapServers) {
        this.emitter = emitter;
        this.bootstrapServers = bootstrapServers;
    }

    LineageRun begin(Map<String, Optional<String>> targets) {
        return emitter.begin(JOB, RunKind.REPLAY, null, inputs(), outputs(targets));
    }

    void completed(LineageRun run, Map<String, Optional<String>> targets, ActionReport report) {
        long replayed = report.counts().getOrDefault(Outcome.REPLAYED, 0L);
        long refused = report.counts().getOrDefault(Outcome.REFUSED, 0L) + report.counts().getOrDefault(Outcome.PARKED, 0L);
        run.complete(new RunSummary(RunKind.REPLAY, report.selected(), replayed, refused), inputs(), outputs(targets));
    }

    void failed(LineageRun run, Map<String, Optional<String>> targets, RuntimeException e) {
        run.fail(e.getClass().getSimpleName() + ": " + e.getMessage(), new RunSummary(RunKind.REPLAY, 0, 0, 0), inputs(), outputs(targets));
    }

    private List<InputDataset> inputs() {
        return List.of(Datasets.kafkaInput(bootstrapServers, Topics.DLQ));
    }

    private List<OutputDataset> outputs(Map<String, Optional<String>> targets) {
        return targets.values().stream().flatMap(Optional::stream).distinct().sorted()
                .map(topic -> Datasets.kafkaOutput(bootstrapServers, topic)).toList();
    }
}
