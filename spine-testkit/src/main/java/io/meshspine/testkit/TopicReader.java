package io.meshspine.testkit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a whole topic from the beginning, read_committed, accumulating across calls: what a test counts and inspects
 * (with Awaitility around {@link #poll()}).
 */
public final class TopicReader implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();

    public TopicReader(SpineTestKit kit, String topic) {
        consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("reader")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Everything read so far, after one more poll. */
    public synchronized List<ConsumerRecord<byte[], byte[]>> poll() {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        return List.copyOf(seen);
    }

    /** Everything read so far, after polling until a poll brings nothing new (large topics). */
    public synchronized List<ConsumerRecord<byte[], byte[]>> drain() {
        for (int i = 0; i < 50; i++) {
            ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(i == 0 ? 300 : 100));
            batch.forEach(seen::add);
            if (batch.isEmpty() && i > 0) {
                break;
            }
        }
        return List.copyOf(seen);
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
