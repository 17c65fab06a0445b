package io.meshspine.core.lineage;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One open run: its id (carried by the data it wrote: Delta commit info, product-record headers) and the calls that
 * close it. A run ends once: {@link #complete}, {@link #fail} or {@link #abort}; later calls are ignored.
 */
public final class LineageRun {

    private final LineageEmitter emitter;
    private final UUID runId;
    private final String job;
    private final RunKind kind;
    private final OffsetDateTime startedAt;
    private final Map<String, Facet> runFacets;
    private volatile boolean ended;
    /** The SLOs the run is judged by ({@link SloState}); none until the emitter's caller names its contract's. */
    private volatile io.meshspine.core.contract.ServiceLevels serviceLevels = io.meshspine.core.contract.ServiceLevels.NONE;

    LineageRun(LineageEmitter emitter, UUID runId, String job, RunKind kind, OffsetDateTime startedAt, Map<String, Facet> runFacets) {
        this.runFacets = Map.copyOf(runFacets);
        this.emitter = emitter;
        this.runId = runId;
        this.job = Objects.requireNonNull(job, "job");
        this.kind = kind;
        this.startedAt = startedAt;
    }

    public UUID runId() {
        return runId;
    }

    public String job() {
        return job;
    }

    public RunKind kind() {
        return kind;
    }

    public OffsetDateTime startedAt() {
        return startedAt;
    }

    /** Judges this run by {@code slos} (its contract's): each event's {@code meshspine_run} facet then says MET or MISSED. */
    public LineageRun serviceLevels(io.meshspine.core.contract.ServiceLevels slos) {
        this.serviceLevels = slos == null ? io.meshspine.core.contract.ServiceLevels.NONE : slos;
        return this;
    }

    void emitStart(List<InputDataset> inputs, List<OutputDataset> outputs) {
        emitter.emit(new RunEvent(EventType.START, startedAt, new Run(runId, runFacets), emitter.job(job, kind), inputs, outputs, Facets.PRODUCER));
    }

    /** A RUNNING event: the counts so far of a long-lived run. */
    public void running(RunSummary summary, List<InputDataset> inputs, List<OutputDataset> outputs) {
        if (!ended) {
            send(EventType.RUNNING, summary, null, inputs, outputs);
        }
    }

    public void complete(RunSummary summary, List<InputDataset> inputs, List<OutputDataset> outputs) {
        end(EventType.COMPLETE, summary, null, inputs, outputs);
    }

    /** FAIL with the reason (a message naming what failed; never record content). */
    public void fail(String reason, RunSummary summary, List<InputDataset> inputs, List<OutputDataset> outputs) {
        end(EventType.FAIL, summary, reason == null || reason.isBlank() ? "failed" : reason, inputs, outputs);
    }

    /** ABORT: the run stopped without failing and without a result of its own (another writer committed its work). */
    public void abort(String reason, RunSummary summary, List<InputDataset> inputs, List<OutputDataset> outputs) {
        end(EventType.ABORT, summary, reason, inputs, outputs);
    }

    public boolean ended() {
        return ended;
    }

    private synchronized void end(EventType type, RunSummary summary, String reason, List<InputDataset> inputs, List<OutputDataset> outputs) {
        if (ended) {
            return;
        }
        ended = true;
        send(type, summary, reason, inputs, outputs);
    }

    private void send(EventType type, RunSummary summary, String reason, List<InputDataset> inputs, List<OutputDataset> outputs) {
        if (!emitter.enabled()) {
            return;
        }
        Map<String, Facet> facets = new java.util.LinkedHashMap<>(runFacets);
        OffsetDateTime at = LineageEmitter.now();
        if (summary != null) {
            SloState slo = SloState.of(serviceLevels, type, summary, java.time.Duration.between(startedAt, at));
            facets.put(Facets.RUN_SUMMARY, Facets.runSummary(summary, startedAt, slo));
        }
        if (reason != null) {
            facets.put(Facets.ERROR_MESSAGE, Facets.errorMessage(reason));
        }
        emitter.emit(new RunEvent(type, at, new Run(runId, facets), emitter.job(job, kind), inputs, outputs, Facets.PRODUCER));
    }
}
