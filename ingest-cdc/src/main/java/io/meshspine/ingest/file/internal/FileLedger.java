package io.meshspine.ingest.file.internal;

import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.file.LedgerEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lane's view of the ledger topic: read once at start (read_committed, to its end), then kept current by the
 * lane itself after each commit. One lane instance (one transactional id) writes the ledger.
 */
public final class FileLedger {

    private static final Logger log = LoggerFactory.getLogger(FileLedger.class);

    private final Map<String, LedgerEntry> byHash = new ConcurrentHashMap<>();

    private FileLedger() {
    }

    /** Reads the whole ledger topic; fails when the topic does not exist (it is provisioned with the contracts). */
    /** @param client the cluster and the operator's {@code kafka.*} settings (TLS, SASL) */
    public static FileLedger load(java.util.Map<String, Object> client, Duration timeout) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "spine-file-lane-ledger");
        FileLedger ledger = new FileLedger();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.INGEST_FILES, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("the ledger topic " + Topics.INGEST_FILES
                        + " does not exist: provision the topics first (./spine contracts provision)");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("reading the ledger " + Topics.INGEST_FILES
                            + " to its end took longer than " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ledger.apply(r.key(), r.value());
                }
            }
        }
        log.info("ledger loaded topic={} files={}", Topics.INGEST_FILES, ledger.byHash.size());
        return ledger;
    }

    private void apply(String hash, byte[] value) {
        if (hash == null) {
            return;
        }
        if (value == null) {
            byHash.remove(hash);
            return;
        }
        try {
            byHash.put(hash, LedgerEntry.fromJson(value));
        } catch (IllegalArgumentException e) {
            log.warn("ledger entry ignored key={} reason={}", hash, e.getMessage());
        }
    }

    public Optional<LedgerEntry> find(String hash) {
        return Optional.ofNullable(byHash.get(hash));
    }

    /** Called after the transaction that wrote the entry committed. */
    public void committed(LedgerEntry entry) {
        byHash.put(entry.hash(), entry);
    }

    public static byte[] key(String hash) {
        return hash.getBytes(StandardCharsets.UTF_8);
    }
}
