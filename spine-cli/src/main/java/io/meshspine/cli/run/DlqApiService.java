package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.HealthCheck;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DlqApiServer;
import io.meshspine.dlq.DlqSettings;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.DlqWorkbench;
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

/** The stewards' workbench as a service: the HTTP API and web page, plus the queue's depth and age as metrics. */
final class DlqApiService implements SpineService {

    private static final Logger log = LoggerFactory.getLogger(DlqApiService.class);

    @Override
    public String name() {
        return "dlq-api";
    }

    @Override
    public String description() {
        return "the stewards' workbench: HTTP API, OpenAPI document and web page over spine.dlq";
    }

    @Override
    public ConfigDef definition() {
        return CommonSettings.define("dlq-api", DlqSettings.ALL);
    }

    @Override
    public AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) {
        DlqWorkbench workbench = DlqWorkbench.open(DlqSettings.toDlqConfig(config), contracts);
        DlqApiServer server = DlqApiServer.start(workbench);
        ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dlq-depth");
            t.setDaemon(true);
            return t;
        });
        QueueGauges gauges = new QueueGauges(metrics);
        long every = config.get(DlqSettings.DEPTH_REFRESH).toMillis();
        refresh.scheduleWithFixedDelay(() -> gauges.refresh(workbench), 0, every, TimeUnit.MILLISECONDS);
        health.register("dlq-api", gauges);
        log.info("dlq api listening url={}", server.url());
        return () -> {
            refresh.shutdownNow();
            server.close();
            workbench.close();
        };
    }

    /** spine_dlq_depth{contract,failure_type} and spine_dlq_oldest_age_seconds, from the workbench's summary. */
    static final class QueueGauges implements HealthCheck {
        private final MultiGauge depth;
        private final MultiGauge oldestAge;
        private volatile String lastProblem = "not read yet";

        QueueGauges(SpineMetrics metrics) {
            this.depth = MultiGauge.builder("spine.dlq.depth").description("Dead letters in the active queue").register(metrics.registry());
            this.oldestAge = MultiGauge.builder("spine.dlq.oldest.age.seconds").description("Age of the oldest active dead letter")
                    .register(metrics.registry());
        }

        void refresh(DlqWorkbench workbench) {
            try {
                // Counted from the letters, not the summary: the summary counts a letter once per broken rule.
                List<QueuedDeadLetter> active = workbench.list(DeadLetterFilter.active(), Steward.operator("dlq-api"));
                java.util.Map<List<String>, Long> byContractAndType = new java.util.HashMap<>();
                java.util.Map<String, Instant> oldestByContract = new java.util.HashMap<>();
                for (QueuedDeadLetter q : active) {
                    String contract = q.letter().contract() == null ? "unknown" : q.letter().contract();
                    byContractAndType.merge(List.of(contract, q.letter().failureType().name()), 1L, Long::sum);
                    oldestByContract.merge(contract, q.letter().deadLetteredAt(), (a, b) -> a.isBefore(b) ? a : b);
                }
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
}
