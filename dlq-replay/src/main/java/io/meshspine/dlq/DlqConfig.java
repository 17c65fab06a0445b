package io.meshspine.dlq;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The workbench's settings, typed and checked once.
 *
 * @param bootstrapServers  the Kafka cluster
 * @param registryUrl       Apicurio's v3 API
 * @param maxReplayCount    loop guard: the replay that would give a record this replay count parks it instead, so a
 *                          record is replayed at most {@code maxReplayCount - 1} times (default 3: twice)
 * @param replayBatch       dead letters per replay transaction (their records and their state commit together)
 * @param replicationFactor of the workbench's topics, when it creates them
 * @param httpHost          where the HTTP API binds (127.0.0.1 unless the deployment decides otherwise)
 * @param httpPort          0: any free port
 * @param tokens            the HTTP API's bearer tokens (hashed)
 * @param brokerTimeout     how long a broker call may take before the action fails (transient: run it again)
 */
public record DlqConfig(String bootstrapServers, String registryUrl, int maxReplayCount, int replayBatch, short replicationFactor,
                        String httpHost, int httpPort, List<ApiToken> tokens, Duration brokerTimeout) {

    public static final int DEFAULT_MAX_REPLAY_COUNT = 3;
    public static final int DEFAULT_HTTP_PORT = 9410;

    public DlqConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(httpHost, "httpHost");
        tokens = List.copyOf(tokens);
        if (maxReplayCount < 1) {
            throw new IllegalArgumentException("dlq max replay count must be at least 1, was " + maxReplayCount);
        }
        if (replayBatch < 1) {
            throw new IllegalArgumentException("dlq replay batch must be at least 1, was " + replayBatch);
        }
        if (httpPort < 0 || httpPort > 65_535) {
            throw new IllegalArgumentException("dlq http port must be 0..65535, was " + httpPort);
        }
        if (tokens.stream().map(ApiToken::name).distinct().count() != tokens.size()) {
            throw new IllegalArgumentException("dlq tokens: two tokens share a name; the audit could not tell them apart");
        }
    }

    /** Defaults that run the embedded setup: loop guard at 3, batches of 100, the API on 127.0.0.1:9410, no tokens. */
    public static DlqConfig defaults(String bootstrapServers, String registryUrl) {
        return new DlqConfig(bootstrapServers, registryUrl, DEFAULT_MAX_REPLAY_COUNT, 100, (short) 1, "127.0.0.1",
                DEFAULT_HTTP_PORT, List.of(), Duration.ofSeconds(30));
    }

    public DlqConfig withMaxReplayCount(int max) {
        return new DlqConfig(bootstrapServers, registryUrl, max, replayBatch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout);
    }

    public DlqConfig withReplayBatch(int batch) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, batch, replicationFactor, httpHost, httpPort, tokens, brokerTimeout);
    }

    public DlqConfig withHttpPort(int port) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, port, tokens, brokerTimeout);
    }

    public DlqConfig withTokens(List<ApiToken> t) {
        return new DlqConfig(bootstrapServers, registryUrl, maxReplayCount, replayBatch, replicationFactor, httpHost, httpPort, t, brokerTimeout);
    }
}
