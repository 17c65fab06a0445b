package io.meshspine.core.lineage;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The lineage settings every service shares (they are part of {@link CommonSettings#define}). */
public final class LineageSettings {

    public static final Setting<TransportKind> TRANSPORT = Setting.choice("lineage.transport", TransportKind.class, TransportKind.NONE,
            "Where OpenLineage run events go: a JSON-lines file, the `spine.lineage` topic, a Marquez-compatible HTTP endpoint, or nowhere"
                    + " (the demo uses `file`). A failure to emit never stops data: it is retried, counted and logged.");
    public static final Setting<Path> FILE = Setting.path("lineage.file", LineageConfig.DEFAULT_FILE,
            "The JSON-lines file of the `file` transport (one run event per line, appended; its directory is created).");
    public static final Setting<String> URL = Setting.string("lineage.url", LineageConfig.NONE.url().toString(),
            "The endpoint of the `http` transport, e.g. Marquez's `http://marquez:5000/api/v1/lineage`.")
            .validatedBy(u -> u.startsWith("http://") || u.startsWith("https://"), "an http(s) URL");
    public static final Setting<String> NAMESPACE = Setting.string("lineage.namespace", LineageConfig.DEFAULT_NAMESPACE,
            "The OpenLineage namespace of the spine's jobs.").validatedBy(s -> !s.isBlank(), "not blank");
    public static final Setting<Duration> RUNNING_INTERVAL = Setting.duration("lineage.running-interval", LineageConfig.NONE.runningInterval(),
            "How often long-lived runs report: the gate's life run per contract sends RUNNING and closes an interval run (START, COMPLETE"
                    + " with its counts); each CDC streaming run sends RUNNING with its counts so far.")
            .positive();
    public static final Setting<Integer> MAX_ATTEMPTS = Setting.integer("lineage.max-attempts", LineageConfig.NONE.maxAttempts(),
            "Attempts to send one run event (with back-off) before it is counted in `spine_lineage_events_failed_total` and logged.").atLeast(1);

    public static final Setting<Boolean> RUN_HISTORY = Setting.bool("lineage.run-history", false,
            "Also send every run event to `spine.lineage`, whatever `lineage.transport` is, so the sink keeps the run history"
                    + " (`<lake>/ops/pipeline_runs`, `./spine runs`) beside a `file` or `http` transport (with `kafka` they go there already)."
                    + " Set it on every service whose runs the history should hold; the demo does.");

    public static final List<Setting<?>> ALL = List.of(TRANSPORT, FILE, URL, NAMESPACE, RUNNING_INTERVAL, MAX_ATTEMPTS, RUN_HISTORY);

    private LineageSettings() {
    }

    public static LineageConfig toConfig(SpineConfig config) {
        return new LineageConfig(config.get(TRANSPORT), config.get(FILE), URI.create(config.get(URL)), config.get(NAMESPACE),
                config.get(RUNNING_INTERVAL), config.get(MAX_ATTEMPTS), CommonSettings.kafkaClient(config), config.get(RUN_HISTORY));
    }
}
