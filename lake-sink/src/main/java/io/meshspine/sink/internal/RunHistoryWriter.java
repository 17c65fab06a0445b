package io.meshspine.sink.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.topic.Topics;
import io.meshspine.sink.RunHistory;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Folds {@code spine.lineage} into {@link RunHistory}: reads from the offsets the table holds (never the group's), and
 * appends the ended runs of each window in one commit with the offsets read. A run event that is not JSON is skipped
 * and logged (it is lineage, not data: nothing downstream depends on it); a failed commit is retried from the table.
 */
public final class RunHistoryWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunHistoryWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunHistory history;
    private final Map<String, Object> clientProps;
    private final Duration window;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, String> consumer;

    public RunHistoryWriter(RunHistory history, Map<String, Object> clientProps, Duration window) {
        this.history = history;
        this.clientProps = Map.copyOf(clientProps);
        this.window = window;
        this.thread = new Thread(this::runSafely, "spine-run-history");
        thread.setDaemon(true);
    }

    public RunHistoryWriter start() {
        thread.start();
        return this;
    }

    private void runSafely() {
        while (!stopping) {
            try {
                run();
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.warn("run history writer failed, starting again from the table's offsets in 5 s error={}", e.toString());
                try {
                    TimeUnit.SECONDS.sleep(5);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void run() {
        String clusterId;
        try (Admin admin = Admin.create(clientProps)) {
            clusterId = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cluster id unavailable: " + e, e);
        }
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer = c;
            List<PartitionInfo> infos = c.partitionsFor(Topics.LINEAGE, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException(Topics.LINEAGE + " does not exist (yet)");
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(Topics.LINEAGE, p.partition())).toList();
            c.assign(partitions);
            for (TopicPartition tp : partitions) {
                c.seek(tp, history.committedOffset(clusterId, tp.partition()) + 1);
            }
            log.info("run history writer reading {} into {}", Topics.LINEAGE, history.path());
            while (!stopping) {
                List<GenericRecord> rows = new ArrayList<>();
                Map<Integer, long[]> offsets = new HashMap<>();
                long until = System.nanoTime() + window.toNanos();
                do {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        offsets.computeIfAbsent(r.partition(), p -> new long[]{r.offset(), r.offset()})[1] = r.offset();
                        try {
                            JsonNode event = JSON.readTree(r.value());
                            RunHistory.row(event).ifPresent(rows::add);
                        } catch (Exception e) {
                            log.warn("run event skipped partition={} offset={} reason=not an OpenLineage run event ({})", r.partition(), r.offset(),
                                    e.getClass().getSimpleName());
                        }
                    }
                } while (System.nanoTime() < until && !stopping);
                if (!offsets.isEmpty() && !history.append(rows, clusterId, offsets)) {
                    log.info("run history superseded by another writer; re-reading from the table's offsets");
                    return;
                }
            }
        } finally {
            consumer = null;
        }
    }

    @Override
    public void close() {
        stopping = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
