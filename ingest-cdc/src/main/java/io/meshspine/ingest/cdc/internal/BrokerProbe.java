package io.meshspine.ingest.cdc.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether the broker answers, asked before an engine starts (an outage at start is then seen in seconds, not after
 * the offset store's 60 s client timeouts) and when an engine failed without a recognisable cause. Debezium's engine can lose
 * the cause of a broker outage: its offset store times out starting, and stopping the half-started store then throws
 * a {@code NullPointerException} that replaces the timeout (seen with Debezium 3.4 and Kafka Connect's
 * {@code KafkaOffsetBackingStore}). A failure while the broker does not answer is the outage's, so it is retried.
 */
final class BrokerProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private BrokerProbe() {
    }

    /**
     * True when the cluster answers a metadata request within a few seconds.
     *
     * @param client the cluster and the operator's {@code kafka.*} settings
     */
    static boolean answers(Map<String, Object> client) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "spine-cdc-broker-probe");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis())).clusterId()
                    .get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }
}
