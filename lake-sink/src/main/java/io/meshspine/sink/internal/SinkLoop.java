package io.meshspine.sink.internal;

import io.meshspine.sink.CrashPoint;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkState;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The sink's one consumer thread: poll, hand records to each table's batch, seal each batch whose trigger fired (its
 * table's committer commits it while the next one fills). Partitions are always positioned from the Delta log's txn
 * versions (on assignment, after a superseded or failed batch); the group's committed offsets are written after each
 * commit for lag tooling only and never read back.
 */
public final class SinkLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SinkLoop.class);
    private static final Duration TRANSIENT_BACKOFF = Duration.ofSeconds(1);
    /** How often partitions parked at an offset gap look at the log again (an operator's reset-offsets frees them). */
    static final Duration GAP_RECHECK = Duration.ofSeconds(5);

    private final SinkConfig config;
    private final Map<String, TableSink> byTopic = new HashMap<>();
    private final Consumer<SinkState> stateListener;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile SinkState state = SinkState.STARTING;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Admin admin;
    private long lastLagUpdate;
    private long lastGapCheck;
    /** Partitions parked at an offset gap: paused, not positioned from the log, until the log lets them continue. */
    private final Map<TopicPartition, TableSink> parked = new HashMap<>();

    public SinkLoop(SinkConfig config, List<TableSink> sinks, Consumer<SinkState> stateListener) {
        this.config = config;
        sinks.forEach(s -> byTopic.put(s.spec().topic(), s));
        this.stateListener = stateListener;
    }

    public SinkState state() {
        return state;
    }

    private void setState(SinkState next) {
        if (state != next) {
            log.info("sink state {} -> {}", state, next);
            state = next;
            stateListener.accept(next);
        }
    }

    @Override
    public void run() {
        try {
            String clusterId = awaitClusterId();
            if (clusterId == null) {
                byTopic.values().forEach(TableSink::close);
                setState(SinkState.STOPPED);
                return;
            }
            admin = Admin.create(adminProperties("-offsets"));
            TopicOffsets offsets = new TopicOffsets(admin);
            byTopic.values().forEach(s -> s.bindCluster(clusterId, offsets));
            log.info("sink reading kafkaCluster={}", clusterId);
            consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(byTopic.keySet(), new Positions());
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(config.pollTimeout());
                } catch (WakeupException e) {
                    continue;
                } catch (OffsetOutOfRangeException e) {
                    // The position left the topic (retention overtook the sink, the log was truncated): never reset
                    // silently. Re-read from the Delta log, where the gap check parks what cannot go on.
                    log.warn("position out of the topic's range, re-reading from the Delta log partitions={}", e.offsetOutOfRangePartitions());
                    e.partitions().stream().map(tp -> byTopic.get(tp.topic())).distinct().forEach(this::reposition);
                    continue;
                }
                if (state == SinkState.STARTING) {
                    setState(SinkState.RUNNING);
                }
                Set<String> repositioned = new HashSet<>();
                for (TopicPartition tp : records.partitions()) {
                    // Records of one source partition go to the batch as runs, not one by one: a run is one hand-over
                    // to a writer lane. A run ends where the batch is full, so batches never exceed their limits.
                    List<ConsumerRecord<byte[], byte[]>> polled = records.records(tp);
                    TableSink sink = byTopic.get(tp.topic());
                    int from = 0;
                    while (from < polled.size() && !repositioned.contains(tp.topic())) {
                        try {
                            from += sink.add(polled, from);
                        } catch (TransientSinkException e) {
                            backOff(sink, e);
                            repositioned.add(tp.topic()); // sought back to the log's offsets: these records come again
                            continue;
                        }
                        if (sink.isFull() && !flush(sink, false)) {
                            repositioned.add(tp.topic());
                        }
                    }
                }
                long now = System.nanoTime();
                for (TableSink sink : byTopic.values()) {
                    if (settle(sink, false) && sink.isDue(now)) {
                        flush(sink, false);
                    }
                }
                updateLag(now);
                recheckParked(now);
            }
            setState(SinkState.STOPPING);
            // Graceful: what is buffered is committed (or, failing that, abandoned and re-read by the next owner).
            byTopic.values().forEach(s -> flush(s, true));
            consumer.close(Duration.ofSeconds(10));
            byTopic.values().forEach(TableSink::close);
            admin.close(Duration.ofSeconds(5));
            setState(SinkState.STOPPED);
        } catch (RuntimeException e) {
            log.error("sink failed", e);
            byTopic.values().forEach(TableSink::close);
            if (consumer != null) {
                try {
                    consumer.close(Duration.ofSeconds(5));
                } catch (RuntimeException ignored) {
                    // already failing; the group notices the missing member
                }
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
            setState(SinkState.FAILED);
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Hands the sink's batch to its committer, once the batch before it is settled; with {@code wait}, settles this one
     * too. False when the sink's partitions were sought back to the Delta log's offsets instead.
     */
    private boolean flush(TableSink sink, boolean wait) {
        if (sink.committing() && !settle(sink, true)) {
            return false;
        }
        return !sink.seal() || !wait || settle(sink, true);
    }

    /**
     * Acts on the outcome of the sink's batch being committed, if it is known (or, with {@code wait}, once it is): the
     * advisory offset commit, or a re-read from the log. False when the sink's partitions were sought back.
     */
    private boolean settle(TableSink sink, boolean wait) {
        TableSink.Outcome outcome;
        try {
            outcome = wait ? sink.awaitCommit() : sink.commitOutcome();
        } catch (TransientSinkException e) {
            backOff(sink, e);
            return false;
        } catch (OffsetGapException e) {
            // Not committed: re-read from the log, where the gap check parks the partition.
            log.warn("batch not committed across an offset gap table={} error={}", sink.spec().name(), e.getMessage());
            reposition(sink);
            return false;
        }
        if (outcome instanceof TableSink.Outcome.Committed c) {
            Crash.at(CrashPoint.AFTER_COMMIT_BEFORE_OFFSET_COMMIT);
            try {
                consumer.commitSync(c.offsets());
            } catch (KafkaException e) {
                // Advisory only: the Delta log already holds the offsets.
                log.warn("advisory offset commit failed table={} error={}", sink.spec().name(), e.toString());
            }
        } else if (outcome instanceof TableSink.Outcome.Superseded) {
            reposition(sink);
            return false;
        }
        return true;
    }

    private void backOff(TableSink sink, TransientSinkException e) {
        log.warn("batch abandoned, re-reading from the Delta log table={} backoffMs={} error={}", sink.spec().name(),
                TRANSIENT_BACKOFF.toMillis(), e.getMessage());
        reposition(sink);
        pause(TRANSIENT_BACKOFF);
    }

    /** Every owned partition of the sink's topic back to the offset after the table's txn version. */
    private void reposition(TableSink sink) {
        List<TopicPartition> owned = consumer.assignment().stream().filter(tp -> tp.topic().equals(sink.spec().topic())).toList();
        sink.abandon();
        for (TopicPartition tp : owned) {
            seekFromLog(sink, tp);
        }
    }

    /**
     * Positions the partition after the table's txn version, once the log and the topic agree it can continue there;
     * otherwise parks it at the gap (paused, named, counted, logged at ERROR) for an operator to decide.
     */
    private void seekFromLog(TableSink sink, TopicPartition tp) {
        long committed = sink.table().committedOffset(sink.kafkaClusterId(), tp.partition());
        OffsetGap gap;
        try {
            gap = sink.continuity(tp, committed);
        } catch (KafkaException e) {
            // The cluster did not answer (a passing fault, never a reason to stop): position from the log anyway. A
            // position the topic no longer holds still fails the next fetch (auto.offset.reset=none) and comes back here.
            log.warn("offset gap check skipped, the cluster did not answer table={} partition={} error={}", sink.spec().name(), tp,
                    e.toString());
            gap = null;
        }
        if (gap != null) {
            park(sink, tp, gap);
            return;
        }
        if (sink.table().committedOffset(sink.kafkaClusterId(), tp.partition()) != committed) {
            // The log moved while the topic was checked (an operator's reset-offsets landing between the two reads):
            // the check passed against the new log, so position from the new log, checked again.
            seekFromLog(sink, tp);
            return;
        }
        if (parked.remove(tp) != null) {
            consumer.resume(List.of(tp));
            sink.unparked(tp);
        }
        if (committed < 0) {
            consumer.seekToBeginning(List.of(tp));
        } else {
            consumer.seek(tp, committed + 1);
        }
        log.info("positioned from the Delta log table={} partition={} nextOffset={}", sink.spec().name(), tp.partition(),
                committed < 0 ? "beginning" : committed + 1);
    }

    private void park(TableSink sink, TopicPartition tp, OffsetGap gap) {
        consumer.pause(List.of(tp));
        // A paused partition still needs a valid position (the consumer never resets one by itself here); it is not
        // fetched, and the log positions it again when it is released.
        consumer.seek(tp, gap.earliest());
        parked.put(tp, sink);
        sink.parked(gap);
    }

    /** Parked partitions look at the log again now and then: a reset-offsets commit releases them. */
    private void recheckParked(long now) {
        if (parked.isEmpty() || now - lastGapCheck < GAP_RECHECK.toNanos()) {
            return;
        }
        lastGapCheck = now;
        for (Map.Entry<TopicPartition, TableSink> e : List.copyOf(parked.entrySet())) {
            try {
                seekFromLog(e.getValue(), e.getKey());
            } catch (KafkaException ex) {
                log.warn("offset gap recheck failed table={} partition={} error={}", e.getValue().spec().name(), e.getKey(), ex.toString());
            }
        }
    }

    private void updateLag(long now) {
        if (now - lastLagUpdate < 1_000_000_000L) {
            return;
        }
        lastLagUpdate = now;
        Map<TableSink, Long> lag = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            TableSink sink = byTopic.get(tp.topic());
            OptionalLong behind = consumer.currentLag(tp);
            lag.merge(sink, (behind.isPresent() ? behind.getAsLong() : 0) + sink.buffered(tp), Long::sum);
        }
        lag.forEach((sink, l) -> sink.lag(l));
    }

    private final class Positions implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                TableSink sink = parked.remove(tp);
                if (sink != null) {
                    sink.unparked(tp); // its new owner finds the gap again
                }
            }
            // Still the owner here: commit what was read from these partitions rather than leave it to be read again.
            byTopic.values().stream().filter(s -> s.holdsAny(partitions)).forEach(s -> flush(s, true));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                seekFromLog(byTopic.get(tp.topic()), tp);
            }
        }
    }

    private Map<String, Object> adminProperties(String suffix) {
        Map<String, Object> p = config.clientProperties();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, config.groupId() + suffix);
        return p;
    }

    /** The cluster's id, waiting out an unreachable broker (a transient fault); null when stopped while waiting. */
    private String awaitClusterId() {
        try (Admin admin = Admin.create(adminProperties("-cluster-id"))) {
            while (running) {
                try {
                    return admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                } catch (ExecutionException | TimeoutException e) {
                    log.warn("kafka cluster id not available yet bootstrap={} backoffMs={} error={}", config.bootstrapServers(),
                            TRANSIENT_BACKOFF.toMillis(), e.toString());
                    pause(TRANSIENT_BACKOFF);
                }
            }
            return null;
        }
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> p = config.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        if (config.instanceId() != null) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
        }
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-" + UUID.randomUUID().toString().substring(0, 8));
        // Only what producers committed: aborted gate transactions never reach the lake.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Every position comes from the Delta log; a position the topic no longer holds must fail, never move silently.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
        // Kafka's default, not more: a partition's records all go to one writer lane, and polls hand out one
        // partition's fetched data before the next one's. At 4 MB a run of polls held more of one partition than its
        // lane's queue takes, so the loop blocked on that lane while the other sat idle, in turns, for seconds (JFR,
        // 1M payments in batches of 100k: writers parked ~30 % of the run after start-up at 4 MB, 9 % at 1 MB).
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024 * 1024);
        // A large batch's write and commit happen between polls.
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000);
        // Topics created after the sink started (a new contract's) are picked up within this.
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000);
        return p;
    }

    /** Asks the loop to finish: what is buffered is committed, then the consumer leaves the group. */
    public void stop() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
