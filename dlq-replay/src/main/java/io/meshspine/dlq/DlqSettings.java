package io.meshspine.dlq;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The DLQ workbench's declared settings (`./spine run dlq-api`, and the defaults of `./spine dlq`'s options): each
 * key, default and doc is declared here once; {@link DlqConfig#defaults} and the CLI read them from here.
 */
public final class DlqSettings {

    /** The roles as configuration spells them, e.g. {@code viewer|steward|admin}: docs and help are built from the enum. */
    public static final String ROLES = Arrays.stream(Role.values()).map(Role::configValue).collect(Collectors.joining("|"));

    public static final Setting<Integer> MAX_REPLAY_COUNT = Setting.integer("dlq.max-replay-count", 3,
            "The replay that would give a record this replay count parks it in spine.dlq.parked instead (loop guard).").atLeast(1);
    public static final Setting<Integer> REPLAY_BATCH = Setting.integer("dlq.replay-batch", 100,
            "Dead letters per replay transaction.").atLeast(1);
    public static final Setting<String> HTTP_HOST = Setting.string("dlq.http.host", "127.0.0.1", "Address of the HTTP API and web page.");
    public static final Setting<Integer> HTTP_PORT = Setting.integer("dlq.http.port", 9410,
            "Port of the HTTP API (`/api`, `/openapi.json`) and the stewards' web page (0: a free port).");
    public static final Setting<String> TOKENS = Setting.string("dlq.tokens", "",
            "Bearer tokens, whitespace separated, each `<name>=sha256:<hex>;<" + ROLES + ">[;<domain>,...]`: the HTTP API's callers and "
                    + "the identities `./spine dlq --token` acts as (hash a token with `./spine dlq serve --hash-token`).").secret();
    public static final Setting<Duration> BROKER_TIMEOUT = Setting.duration("dlq.broker-timeout", Duration.ofSeconds(30),
            "How long a broker call may take before the action fails (a transient fault: run it again); a start waits four times this for a broker that does not answer.").positive();
    public static final Setting<Duration> DEPTH_REFRESH = Setting.duration("dlq.depth-refresh", Duration.ofSeconds(15),
            "How often spine_dlq_depth and spine_dlq_oldest_age_seconds are recomputed.").positive();

    public static final Setting<Path> STATE_DIR = Setting.path("dlq.state-dir", Path.of("state", "dlq"),
            "Where the workbench keeps the queue's index (RocksDB: metadata, state and counts of every dead letter, outside the heap); "
                    + "a restart catches up from where it had read. One workbench per directory; deleting it rebuilds it from the topics.");

    /** The workbench's own keys and the privacy keys that open encrypted dead-letter originals. */
    public static final List<Setting<?>> ALL = java.util.stream.Stream.concat(java.util.stream.Stream.of(MAX_REPLAY_COUNT, REPLAY_BATCH,
            HTTP_HOST, HTTP_PORT, TOKENS, BROKER_TIMEOUT, DEPTH_REFRESH, STATE_DIR), io.meshspine.core.privacy.PrivacySettings.ALL.stream()).toList();

    private DlqSettings() {
    }

    /** Token specs, whitespace separated, parsed (a bad one fails naming the token and what is wrong). */
    public static List<ApiToken> parseTokens(String specs) {
        return Arrays.stream(specs.trim().split("\\s+")).filter(s -> !s.isEmpty()).map(ApiToken::parse).toList();
    }

    public static DlqConfig toDlqConfig(SpineConfig config) {
        Map<String, Object> kafka = new HashMap<>(CommonSettings.kafkaClient(config));
        kafka.remove("bootstrap.servers");
        DlqConfig defaults = DlqConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL));
        return new DlqConfig(defaults.bootstrapServers(), defaults.registryUrl(), config.get(MAX_REPLAY_COUNT), config.get(REPLAY_BATCH),
                defaults.replicationFactor(), config.get(HTTP_HOST), config.get(HTTP_PORT), parseTokens(config.get(TOKENS)),
                config.get(BROKER_TIMEOUT), kafka, config.get(STATE_DIR), io.meshspine.core.lineage.LineageSettings.toConfig(config),
                io.meshspine.core.privacy.PrivacySettings.parse(config));
    }
}
