package io.meshspine.dlq;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The DLQ workbench's declared settings (`./spine run dlq-api`). */
public final class DlqSettings {

    public static final Setting<Integer> MAX_REPLAY_COUNT = Setting.integer("dlq.max-replay-count", DlqConfig.DEFAULT_MAX_REPLAY_COUNT,
            "The replay that would give a record this replay count parks it in spine.dlq.parked instead (loop guard).").atLeast(1);
    public static final Setting<Integer> REPLAY_BATCH = Setting.integer("dlq.replay-batch", 100,
            "Dead letters per replay transaction.").atLeast(1);
    public static final Setting<String> HTTP_HOST = Setting.string("dlq.http.host", "127.0.0.1", "Address of the HTTP API and web page.");
    public static final Setting<Integer> HTTP_PORT = Setting.integer("dlq.http.port", DlqConfig.DEFAULT_HTTP_PORT,
            "Port of the HTTP API (`/api`, `/openapi.json`) and the stewards' web page (0: a free port).");
    public static final Setting<String> TOKENS = Setting.string("dlq.tokens", "",
            "Bearer tokens, whitespace separated, each `<name>=sha256:<hex>;<viewer|steward|admin>[;<domain>,...]` "
                    + "(hash a token with `./spine dlq serve --hash-token`).").secret();
    public static final Setting<Duration> DEPTH_REFRESH = Setting.duration("dlq.depth-refresh", Duration.ofSeconds(15),
            "How often spine_dlq_depth and spine_dlq_oldest_age_seconds are recomputed.").positive();

    public static final List<Setting<?>> ALL = List.of(MAX_REPLAY_COUNT, REPLAY_BATCH, HTTP_HOST, HTTP_PORT, TOKENS, DEPTH_REFRESH);

    private DlqSettings() {
    }

    public static DlqConfig toDlqConfig(SpineConfig config) {
        List<ApiToken> tokens = Arrays.stream(config.get(TOKENS).trim().split("\\s+")).filter(s -> !s.isEmpty()).map(ApiToken::parse).toList();
        DlqConfig defaults = DlqConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL));
        return new DlqConfig(defaults.bootstrapServers(), defaults.registryUrl(), config.get(MAX_REPLAY_COUNT), config.get(REPLAY_BATCH),
                defaults.replicationFactor(), config.get(HTTP_HOST), config.get(HTTP_PORT), tokens, defaults.brokerTimeout());
    }
}
