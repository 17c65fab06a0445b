package io.meshspine.dlq;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A metrics reporter that remembers the client id of every Kafka client configured with it: set through
 * {@code kafka.metric.reporters}, it shows which clients received the cluster's pass-through settings.
 */
public final class RecordingReporter implements MetricsReporter {

    static final Set<String> CLIENT_IDS = ConcurrentHashMap.newKeySet();

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get("client.id");
        if (id != null) {
            CLIENT_IDS.add(id.toString());
        }
    }

    @Override
    public void init(List<KafkaMetric> metrics) {
    }

    @Override
    public void metricChange(KafkaMetric metric) {
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
    }

    @Override
    public void close() {
    }
}
