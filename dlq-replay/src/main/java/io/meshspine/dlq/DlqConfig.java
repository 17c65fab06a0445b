package io.meshspine.dlq;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The workbench's settings, typed and checked once. Defaults are {@link DlqSettings}'s declarations (one place).
 *
 * @param bootstrapServers  the Kafka cluster
 * @param registryUrl       Apicurio's v3 API
 * @param maxReplayCount    loop guard: the replay that would give a record this replay count parks it instead, so a
 *                          record is replayed at most {@code maxReplayCount - 1} times (default 3: twice)
 * @param replayBatch       dead letters per replay transaction (their records and their state commit together)
 * @param replicationFactor of the workbench's topics, when it creates them
 * @param httpHost          where the HTTP API binds (127.0.0.1 unless the deployment decides otherwise)
 * @param httpPort          0: any free port
 * @param tokens            the bearer tokens (hashed): the HTTP API's callers and the CLI's {@code --token}
 * @param brokerTimeout     how long a broker call may take before the action fails (transient: run it again)
 * @param kafkaClient       every other Kafka client property ({@code kafka.*} without the prefix: TLS, SASL), given to
 *                          each consumer, producer and admin client the workbench makes
 * @param stateDir          where the queue's index is kept between runs ({@link DlqSettings#STATE_DIR}); null: a
 *                          temporary one, rebuilt from the topics at each start and removed on close (tests, one-shot
 *                          CLI commands, the demo)
 * @param lineage           where replay jobs' run events go (one run per replay)
 * @param privacy           the keys that open encrypted dead-letter originals ({@code privacy.*}; unset: the demo keys)
 */
public record DlqConfig(String bootstrapServers, String registryUrl, int maxReplayCount, int replayBatch, short replicationFactor,
                        String httpHost, int httpPort, List<ApiToken> tokens, Duration brokerTimeout, Map<String, Object> kafkaClient,
                        Path stateDir, io.meshspine.core.lineage.LineageConfig lineage, io.meshspine.core.privacy.PrivacyConfig privacy) {

    /** With the demo's privacy keys (what an unset {@code privacy.*} gives). */
    public DlqConfig(String bootstrapServers, String registryUrl, int maxReplayCount, int replayBatch, short replicationFactor,
                     String httpHost, int httpPort, List<ApiToken> tokens, Duration brokerTimeout, Map<String, Object> kafkaClient,
                     Path stateDir, io.meshspine.core.lineage.LineageConfig lineage) {
        this(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout,
                kafkaClient, stateDir, lineage, io.meshspine.core.privacy.PrivacyConfig.DEMO);
    }

    /** Without lineage (it stays off). */
    public DlqConfig(String bootstrapServers, String registryUrl, int maxReplayCount, int replayBatch, short replicationFactor,
                     String httpHost, int httpPort, List<ApiToken> tokens, Duration brokerTimeout, Map<String, Object> kafkaClient,
                     Path stateDir) {
        this(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout,
                kafkaClient, stateDir, io.meshspine.core.lineage.LineageConfig.NONE);
    }

    public DlqConfig {
        Objects.requireNonNull(lineage, "lineage");
        Objects.requireNonNull(privacy, "privacy");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(httpHost, "httpHost");
        tokens = List.copyOf(tokens);
        kafkaClient = kafkaClient == null ? Map.of() : Map.copyOf(kafkaClient);
        if (maxReplayCount < 1) {
            throw new IllegalArgumentException(DlqSettings.MAX_REPLAY_COUNT.key() + " must be at least 1, was " + maxReplayCount);
        }
        if (replayBatch < 1) {
            throw new IllegalArgumentException(DlqSettings.REPLAY_BATCH.key() + " must be at least 1, was " + replayBatch);
        }
        if (httpPort < 0 || httpPort > 65_535) {
            throw new IllegalArgumentException(DlqSettings.HTTP_PORT.key() + " must be 0..65535, was " + httpPort);
        }
        if (tokens.stream().map(ApiToken::name).distinct().count() != tokens.size()) {
            throw new IllegalArgumentException(DlqSettings.TOKENS.key() + ": two tokens share a name; the audit could not tell them apart");
        }
    }

    /** The declared defaults (which run the embedded setup): loop guard at 3, batches of 100, the API on 127.0.0.1:9410, no tokens. */
    public static DlqConfig defaults(String bootstrapServers, String registryUrl) {
        return new DlqConfig(bootstrapServers, registryUrl, DlqSettings.MAX_REPLAY_COUNT.defaultValue().orElseThrow(),
                DlqSettings.REPLAY_BATCH.defaultValue().orElseThrow(), (short) 1, DlqSettings.HTTP_HOST.defaultValue().orElseThrow(),
                DlqSettings.HTTP_PORT.defaultValue().orElseThrow(), List.of(), DlqSettings.BROKER_TIMEOUT.defaultValue().orElseThrow(), Map.of(), null);
    }

    public DlqConfig withLineage(io.meshspine.core.lineage.LineageConfig l) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout,
                kafkaClient, stateDir, l, privacy);
    }

    public DlqConfig withMaxReplayCount(int max) {
        return new DlqConfig(bootstrapServers, registryUrl, max, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout, kafkaClient, stateDir, lineage, privacy);
    }

    public DlqConfig withReplayBatch(int batch) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, batch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout, kafkaClient, stateDir, lineage, privacy);
    }

    public DlqConfig withHttp(String host, int port) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, host, port, tokens, brokerTimeout, kafkaClient, stateDir, lineage, privacy);
    }

    public DlqConfig withHttpPort(int port) {
        return withHttp(httpHost, port);
    }

    public DlqConfig withTokens(List<ApiToken> t) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, t, brokerTimeout, kafkaClient, stateDir, lineage, privacy);
    }

    public DlqConfig withBrokerTimeout(Duration timeout) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, timeout, kafkaClient, stateDir, lineage, privacy);
    }

    public DlqConfig withKafkaClient(Map<String, Object> properties) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout,
                properties, stateDir, lineage, privacy);
    }

    public DlqConfig withPrivacy(io.meshspine.core.privacy.PrivacyConfig p) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout,
                kafkaClient, stateDir, lineage, p);
    }

    /** The queue's index kept in {@code dir} between runs (null: a temporary one). */
    public DlqConfig withStateDir(Path dir) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout,
                kafkaClient, dir, lineage, privacy);
    }
}
