package io.meshspine.gate;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The gate's settings as declared keys: `./spine run gate --config gate.properties` reads these, the README lists them. */
public final class GateSettings {

    public static final Setting<String> APPLICATION_ID = Setting.string("gate.application-id", GateConfig.DEFAULT_APPLICATION_ID,
            "Kafka Streams application id: the consumer group and transactional id prefix every gate instance shares.");
    public static final Setting<String> HASH_KEY = Setting.string("gate.hash-key", null,
                    "HMAC-SHA256 key of `hash` masking (16+ characters). The same on every instance, or hashed values stop joining.")
            .required().secret().validatedBy(k -> k.length() >= 16, "at least 16 characters");
    public static final Setting<Duration> DEDUP_WINDOW = Setting.duration("gate.dedup-window", Duration.ofDays(7),
            "How long a passed record's identity is remembered to drop re-deliveries and replays.").positive();
    public static final Setting<Integer> MAX_PRODUCT_RECORD_BYTES = Setting.integer("gate.max-product-record-bytes", 1_000_000,
            "Larger product records are dead-lettered (PROCESSING) instead of failing the producer.").atLeast(1024);
    public static final Setting<Path> STATE_DIR = Setting.path("gate.state-dir", Path.of("state", "gate"),
            "Kafka Streams state directory (the dedup window store); restored from its changelog when lost.");
    public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration("gate.commit-interval", Duration.ofMillis(100),
            "How often exactly-once transactions commit: the latency floor of the product topics.").positive();
    public static final Setting<Duration> QUALITY_WINDOW = Setting.duration("gate.quality-window", Duration.ofMinutes(5),
            "Sliding window of the per-contract quality score.").positive();
    public static final Setting<String> INSTANCE_ID = Setting.string("gate.instance-id", null,
            "Static group membership id, unique per instance (e.g. the host name): a restarted instance takes its partitions back at once.");
    public static final Setting<Integer> STREAM_THREADS = Setting.integer("gate.stream-threads", 1,
            "Stream threads of this instance; partitions are shared among all threads of all instances.").atLeast(1);

    public static final ConfigDef DEFINITION = CommonSettings.define("gate", List.of(APPLICATION_ID, HASH_KEY, DEDUP_WINDOW,
            MAX_PRODUCT_RECORD_BYTES, STATE_DIR, COMMIT_INTERVAL, QUALITY_WINDOW, INSTANCE_ID, STREAM_THREADS));

    private GateSettings() {
    }

    public static GateConfig toGateConfig(SpineConfig config) {
        return GateConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL),
                        config.get(HASH_KEY).getBytes(StandardCharsets.UTF_8), config.get(STATE_DIR))
                .withApplicationId(config.get(APPLICATION_ID))
                .withMaxProductRecordBytes(config.get(MAX_PRODUCT_RECORD_BYTES))
                .withGroupInstanceId(config.find(INSTANCE_ID).orElse(null))
                .withStreamThreads(config.get(STREAM_THREADS))
                .with(config.get(DEDUP_WINDOW), config.get(COMMIT_INTERVAL), config.get(QUALITY_WINDOW))
                .withClientProperties(java.util.Map.copyOf(config.passThrough(CommonSettings.KAFKA_PREFIX)));
    }
}
