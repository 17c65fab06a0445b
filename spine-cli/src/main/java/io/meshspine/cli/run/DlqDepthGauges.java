package io.meshspine.cli.run;

import io.meshspine.core.ops.HealthCheck;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.QueueDepth;
import io.meshspine.dlq.Steward;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** spine_dlq_depth{contract,failure_type} and spine_dlq_oldest_age_seconds, from the workbench's summary. */
public final class DlqDepthGauges implements HealthCheck, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DlqDepthGauges.class);

    private final MultiGauge depth;
    private final MultiGauge oldestAge;
    private volatile String lastProblem = "not read yet";

    private final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dlq-depth");
        t.setDaemon(true);
        return t;
    });

    /** Recomputes the gauges from the workbench's active queue every {@code every}. */
    public static DlqDepthGauges start(DlqWorkbench workbench, SpineMetrics metrics, Duration every) {
        DlqDepthGauges gauges = new DlqDepthGauges(metrics);
        gauges.refresh.scheduleWithFixedDelay(() -> gauges.refresh(workbench), 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return gauges;
    }

    @Override
    public void close() {
        refresh.shutdownNow();
    }

    private DlqDepthGauges(SpineMetrics metrics) {
        this.depth = MultiGauge.builder("spine.dlq.depth").description("Dead letters in the active queue").register(metrics.registry());
        this.oldestAge = MultiGauge.builder("spine.dlq.oldest.age.seconds").description("Age of the oldest active dead letter")
                .register(metrics.registry());
    }

    void refresh(DlqWorkbench workbench) {
        try {
            // From the index's counts (each dead letter once, whatever rules it broke): never the queue read into the heap.
            QueueDepth queue = workbench.depth();
            java.util.Map<List<String>, Long> byContractAndType = queue.byContractAndType();
            java.util.Map<String, Instant> oldestByContract = queue.oldestByContract();
            depth.register(byContractAndType.entrySet().stream()
                    .map(e -> MultiGauge.Row.of(Tags.of("contract", e.getKey().get(0), "failure_type", e.getKey().get(1)), e.getValue()))
                    .toList(), true);
            oldestAge.register(oldestByContract.entrySet().stream()
                    .map(e -> MultiGauge.Row.of(Tags.of("contract", e.getKey()),
                            () -> Duration.between(e.getValue(), Instant.now()).toMillis() / 1000.0))
                    .toList(), true);
            lastProblem = null;
        } catch (RuntimeException e) {
            lastProblem = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.warn("dlq depth not refreshed problem={}", lastProblem);
        }
    }

    @Override
    public Result check() {
        String problem = lastProblem;
        return problem == null ? Result.up("queue read") : Result.down(problem);
    }
}
