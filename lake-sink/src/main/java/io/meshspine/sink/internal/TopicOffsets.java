package io.meshspine.sink.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the Kafka cluster holds of a topic: its id (a recreated topic has a new one) and each partition's earliest and
 * latest offsets. Thread-safe (an Admin client): the consumer thread and the committers ask it.
 */
public final class TopicOffsets {

    /** The earliest offset still in the log and the offset the next record will get. */
    public record Range(long earliest, long latest) {
    }

    private final Admin admin;

    public TopicOffsets(Admin admin) {
        this.admin = admin;
    }

    public Range range(TopicPartition tp) {
        long earliest = get(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)).offset();
        long latest = get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)).offset();
        return new Range(earliest, latest);
    }

    public String topicId(String topic) {
        return describe(topic).topicId().toString();
    }

    public List<Integer> partitions(String topic) {
        return describe(topic).partitions().stream().map(p -> p.partition()).sorted().toList();
    }

    public String clusterId() {
        return get(admin.describeCluster().clusterId());
    }

    private TopicDescription describe(String topic) {
        return get(admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while asking the cluster", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("the cluster did not answer in 30 s", e);
        }
    }
}
