package io.meshspine.gate;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The gate's settings as declared keys: `./spine run gate --config gate.properties` reads these, the README lists them. */
public final class GateSettings {

    public static final Setting<String> APPLICATION_ID = Setting.string("gate.application-id", "spine-gate",
            "Kafka Streams application id: the consumer group and transactional id prefix every gate instance shares.");
    public static final Setting<String> HASH_KEY = Setting.string("gate.hash-key", null,
                    "HMAC-SHA256 key of `hash` masking and of the dedup identities (16+ characters). The same on every instance, or hashed values stop joining.")
            .required().secret().validatedBy(k -> k.length() >= 16, "at least 16 characters");
    public static final Setting<Duration> DEDUP_WINDOW = Setting.duration("gate.dedup-window", Duration.ofDays(7),
            "How long a passed record's identity is remembered, on the gate's own clock (whatever the record's timestamp), "
                    + "to drop re-deliveries, re-sends and replays. Each remembered identity costs about 32 bytes of heap.").positive();
    public static final Setting<Integer> MAX_PRODUCT_RECORD_BYTES = Setting.integer("gate.max-product-record-bytes", 1_000_000,
            "Larger product records (key, value and headers) are dead-lettered (PROCESSING) instead of failing the producer.").atLeast(1024);
    public static final Setting<Path> STATE_DIR = Setting.path("gate.state-dir", Path.of("state", "gate"),
            "Kafka Streams state directory (the dedup store); restored from its changelog when lost.");
    public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration("gate.commit-interval", Duration.ofMillis(100),
            "How often exactly-once transactions commit: the latency floor of the product topics.").positive();
    public static final Setting<Duration> QUALITY_WINDOW = Setting.duration("gate.quality-window", Duration.ofMinutes(5),
            "Sliding window of the per-contract quality score.").positive();
    public static final Setting<String> INSTANCE_ID = Setting.string("gate.instance-id", null,
            "Static group membership id, unique per instance (e.g. the host name): a restarted instance takes its partitions back at once.");
    public static final Setting<Integer> STREAM_THREADS = Setting.integer("gate.stream-threads", 1,
            "Stream threads of this instance; partitions are shared among all threads of all instances.").atLeast(1);
    public static final Setting<Duration> TRANSIENT_RETRY_BUDGET = Setting.duration("gate.transient-retry-budget", Duration.ofMinutes(2),
            "How long a record waits, with back-off and inside its transaction, for an unreachable or failing (5xx, 429, timeout) "
                    + "registry before the stream thread is replaced; its task and state stay alive meanwhile.").positive();

    /** The gate's own keys and the privacy keys it encrypts dead-letter originals with. */
    public static final ConfigDef DEFINITION = CommonSettings.define("gate", java.util.stream.Stream.concat(Stream.of(APPLICATION_ID, HASH_KEY,
            DEDUP_WINDOW, MAX_PRODUCT_RECORD_BYTES, STATE_DIR, COMMIT_INTERVAL, QUALITY_WINDOW, INSTANCE_ID, STREAM_THREADS,
            TRANSIENT_RETRY_BUDGET), io.meshspine.core.privacy.PrivacySettings.ALL.stream()).toList());

    private GateSettings() {
    }

    /** The one typed value of a loaded gate configuration. */
    public static GateConfig parse(SpineConfig config) {
        return new GateConfig(config.get(APPLICATION_ID), config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS),
                config.get(CommonSettings.REGISTRY_URL), config.get(HASH_KEY).getBytes(StandardCharsets.UTF_8),
                config.get(DEDUP_WINDOW), config.get(MAX_PRODUCT_RECORD_BYTES), config.get(STATE_DIR), config.get(COMMIT_INTERVAL),
                config.get(QUALITY_WINDOW), config.find(INSTANCE_ID).orElse(null), config.get(STREAM_THREADS),
                config.get(TRANSIENT_RETRY_BUDGET), Map.copyOf(config.passThrough(CommonSettings.KAFKA_PREFIX)),
                io.meshspine.core.lineage.LineageSettings.toConfig(config), io.meshspine.core.privacy.PrivacySettings.parse(config));
    }

    /** Settings given as key/value pairs (tests, benchmarks, the demo), with the same checks as a file. */
    public static GateConfig parse(Map<String, String> settings) {
        return parse(DEFINITION.parse(settings));
    }
}
