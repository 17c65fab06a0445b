package io.meshspine.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many committed records a benchmark side wrote to its output topics since it started: read back with
 * {@code read_committed} from the ends the topics had before, so records of aborted transactions are not counted and
 * a lost or doubled record shows as a count other than the input's.
 */
final class OutputCount {

    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final String bootstrap;
    private final Map<TopicPartition, Long> from;

    private OutputCount(String bootstrap, Map<TopicPartition, Long> from) {
        this.bootstrap = bootstrap;
        this.from = from;
    }

    /** Remembers where the topics' committed records end now. */
    static OutputCount from(String bootstrap, List<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                // A topic created a moment ago may not be in this client's metadata yet: asked again until it is.
                long deadline = System.nanoTime() + SETTLE.toNanos();
                var found = consumer.partitionsFor(topic);
                while (found.isEmpty() && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                    found = consumer.partitionsFor(topic);
                }
                if (found.isEmpty()) {
                    throw new IllegalStateException("output topic " + topic + " has no partitions in the broker's metadata");
                }
                found.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            return new OutputCount(bootstrap, new HashMap<>(consumer.endOffsets(partitions)));
        }
    }

    /**
     * The committed records written since {@link #from}, once they reach {@code expected} or stop growing for a while
     * (the side's last transaction is committed before its offsets are, so the count is normally final at once).
     */
    long await(long expected) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            long count = 0;
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < SETTLE.toNanos()) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                if (!batch.isEmpty()) {
                    count += batch.count();
                    quietSince = System.nanoTime();
                    continue;
                }
                if (count >= expected && caughtUp(consumer)) {
                    return count;
                }
            }
            return count;
        }
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
