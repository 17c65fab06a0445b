package io.meshspine.gate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The contract gate's settings as one typed value, made only by {@link GateSettings#parse}: the keys, their defaults,
 * checks and documentation are declared there, once.
 *
 * @param applicationId          Kafka Streams application id (consumer group, transactional id prefix, state dir name)
 * @param bootstrapServers       the Kafka cluster
 * @param registryUrl            Apicurio's v3 API
 * @param hashKey                HMAC-SHA256 key of {@code hash} masking and of the dedup identities; a secret, never logged
 * @param dedupWindow            how long, on the gate's own clock, a passed record's identity is remembered
 * @param maxProductRecordBytes  larger product records (key, value and headers) are dead-lettered instead of failing the producer
 * @param stateDir               Kafka Streams state directory (the dedup store lives there)
 * @param commitInterval         how often EOS transactions commit: the latency floor of the product topics
 * @param qualityWindow          the sliding window of the per-contract quality score
 * @param groupInstanceId        static group membership (null: dynamic)
 * @param streamThreads          Kafka Streams threads of this instance
 * @param transientRetryBudget   how long one record waits, inside its transaction, for an unreachable registry
 * @param clientProperties       passed to the Kafka clients as they are (TLS, SASL); may hold secrets, never printed
 * @param lineage                where the gate's run events go (a run per contract and interval)
 * @param privacy                the keys dead-letter originals are encrypted with ({@code privacy.*})
 */
public record GateConfig(String applicationId, String bootstrapServers, String registryUrl, byte[] hashKey,
                         Duration dedupWindow, int maxProductRecordBytes, Path stateDir, Duration commitInterval,
                         Duration qualityWindow, String groupInstanceId, int streamThreads, Duration transientRetryBudget,
                         Map<String, Object> clientProperties, io.meshspine.core.lineage.LineageConfig lineage,
                         io.meshspine.core.privacy.PrivacyConfig privacy) {

    public GateConfig {
        clientProperties = Map.copyOf(clientProperties);
        java.util.Objects.requireNonNull(lineage, "lineage");
        java.util.Objects.requireNonNull(privacy, "privacy");
    }

    /** The key is a secret: it is never printed. */
    @Override
    public String toString() {
        return "GateConfig[applicationId=" + applicationId + ", bootstrapServers=" + bootstrapServers + ", registryUrl="
                + registryUrl + ", hashKey=<secret>, dedupWindow=" + dedupWindow + ", maxProductRecordBytes="
                + maxProductRecordBytes + ", stateDir=" + stateDir + ", commitInterval=" + commitInterval
                + ", groupInstanceId=" + groupInstanceId + ", streamThreads=" + streamThreads + ", transientRetryBudget="
                + transientRetryBudget + ", clientProperties=" + clientProperties.keySet() + ", lineage=" + lineage.transport().configValue() + ", " + privacy + "]";
    }
}
