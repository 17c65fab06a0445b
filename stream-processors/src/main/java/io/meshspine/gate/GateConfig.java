package io.meshspine.gate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The contract gate's settings, typed and checked once.
 *
 * @param applicationId          Kafka Streams application id (consumer group, transactional id prefix, state dir name)
 * @param bootstrapServers       the Kafka cluster
 * @param registryUrl            Apicurio's v3 API
 * @param hashKey                HMAC-SHA256 key of {@code hash} masking; a secret, never logged
 * @param dedupWindow            how long a passed record's identity is remembered to drop re-deliveries and replays
 * @param maxProductRecordBytes  larger product records are dead-lettered (PROCESSING) instead of failing the producer
 * @param stateDir               Kafka Streams state directory (the dedup store lives there)
 * @param commitInterval         how often EOS transactions commit: the latency floor of the product topics
 * @param qualityWindow          the sliding window of the per-contract quality score
 * @param groupInstanceId        static group membership (null: dynamic); a restarted instance with the same id takes
 *                               its partitions back at once instead of after the session timeout
 * @param streamThreads          Kafka Streams threads of this instance; partitions are shared among them
 * @param clientProperties       passed to the Kafka clients as they are (TLS, SASL); may hold secrets, never printed
 */
public record GateConfig(String applicationId, String bootstrapServers, String registryUrl, byte[] hashKey,
                         Duration dedupWindow, int maxProductRecordBytes, Path stateDir, Duration commitInterval,
                         Duration qualityWindow, String groupInstanceId, int streamThreads,
                         java.util.Map<String, Object> clientProperties) {

    public static final String DEFAULT_APPLICATION_ID = "spine-gate";

    public GateConfig {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(stateDir, "stateDir");
        clientProperties = java.util.Map.copyOf(clientProperties);
        if (hashKey == null || hashKey.length < 16) {
            throw new IllegalArgumentException("gate hash key: at least 16 bytes are needed for HMAC-SHA256 masking");
        }
        if (dedupWindow.isNegative() || dedupWindow.isZero()) {
            throw new IllegalArgumentException("gate dedup window must be positive, was " + dedupWindow);
        }
        if (streamThreads < 1) {
            throw new IllegalArgumentException("gate stream threads must be at least 1, was " + streamThreads);
        }
        if (maxProductRecordBytes < 1024) {
            throw new IllegalArgumentException("gate max product record bytes must be at least 1024, was " + maxProductRecordBytes);
        }
    }

    /** Defaults that run the embedded setup: 7-day dedup window, 1 MB records, 100 ms commits, 5-minute quality window. */
    public static GateConfig defaults(String bootstrapServers, String registryUrl, byte[] hashKey, Path stateDir) {
        return new GateConfig(DEFAULT_APPLICATION_ID, bootstrapServers, registryUrl, hashKey, Duration.ofDays(7),
                1_000_000, stateDir, Duration.ofMillis(100), Duration.ofMinutes(5), null, 1, java.util.Map.of());
    }

    public GateConfig withApplicationId(String id) {
        return new GateConfig(id, bootstrapServers, registryUrl, hashKey, dedupWindow, maxProductRecordBytes, stateDir,
                commitInterval, qualityWindow, groupInstanceId, streamThreads, clientProperties);
    }

    public GateConfig withMaxProductRecordBytes(int bytes) {
        return new GateConfig(applicationId, bootstrapServers, registryUrl, hashKey, dedupWindow, bytes, stateDir,
                commitInterval, qualityWindow, groupInstanceId, streamThreads, clientProperties);
    }

    public GateConfig withGroupInstanceId(String id) {
        return new GateConfig(applicationId, bootstrapServers, registryUrl, hashKey, dedupWindow, maxProductRecordBytes, stateDir,
                commitInterval, qualityWindow, id, streamThreads, clientProperties);
    }

    public GateConfig withRegistryUrl(String url) {
        return new GateConfig(applicationId, bootstrapServers, url, hashKey, dedupWindow, maxProductRecordBytes, stateDir,
                commitInterval, qualityWindow, groupInstanceId, streamThreads, clientProperties);
    }

    public GateConfig withStreamThreads(int threads) {
        return new GateConfig(applicationId, bootstrapServers, registryUrl, hashKey, dedupWindow, maxProductRecordBytes, stateDir,
                commitInterval, qualityWindow, groupInstanceId, threads, clientProperties);
    }

    public GateConfig withClientProperties(java.util.Map<String, Object> properties) {
        return new GateConfig(applicationId, bootstrapServers, registryUrl, hashKey, dedupWindow, maxProductRecordBytes, stateDir,
                commitInterval, qualityWindow, groupInstanceId, streamThreads, properties);
    }

    public GateConfig with(Duration dedupWindow, Duration commitInterval, Duration qualityWindow) {
        return new GateConfig(applicationId, bootstrapServers, registryUrl, hashKey, dedupWindow, maxProductRecordBytes, stateDir,
                commitInterval, qualityWindow, groupInstanceId, streamThreads, clientProperties);
    }

    /** The key is a secret: it is never printed. */
    @Override
    public String toString() {
        return "GateConfig[applicationId=" + applicationId + ", bootstrapServers=" + bootstrapServers + ", registryUrl="
                + registryUrl + ", hashKey=<secret>, dedupWindow=" + dedupWindow + ", maxProductRecordBytes="
                + maxProductRecordBytes + ", stateDir=" + stateDir + ", commitInterval=" + commitInterval
                + ", groupInstanceId=" + groupInstanceId + ", streamThreads=" + streamThreads + ", clientProperties=" + clientProperties.keySet() + "]";
    }
}
