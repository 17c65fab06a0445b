package io.meshspine.dlq.internal;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.LoadProgress;
import io.meshspine.dlq.QueuedDeadLetter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The DLQ joined with its state topic, read read_committed up to the last stable offsets at each {@link #refresh()}
 * and kept in memory: what stewards list and act on. Reads with assigned partitions and no group, committing nothing.
 * Envelopes this build cannot read are counted and skipped (they stay on the topic; {@code tail} shows them).
 */
public final class QueueReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueReader.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> dlq;
    private final KafkaConsumer<byte[], byte[]> state;
    private final WireDecoder decoder;
    private final Duration timeout;
    private final Map<String, Located> letters = new LinkedHashMap<>();
    private final Map<String, DeadLetterState> states = new HashMap<>();
    private long unreadable;
    private volatile LoadProgress progress = LoadProgress.NONE;
    private Map<TopicPartition, Long> lastBegins = Map.of();

    private record Located(DeadLetter letter, int partition, long offset) {
    }

    public QueueReader(KafkaClients clients, WireDecoder decoder, Duration timeout) {
        this.decoder = decoder;
        this.timeout = timeout;
        this.dlq = consumer(clients, "spine-dlq-reader", Topics.DLQ);
        this.state = consumer(clients, "spine-dlq-state-reader", Topics.DLQ_STATE);
    }

    private KafkaConsumer<byte[], byte[]> consumer(KafkaClients clients, String clientId, String topic) {
        KafkaConsumer<byte[], byte[]> c = clients.reader(clientId);
        List<TopicPartition> partitions = c.partitionsFor(topic, timeout).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
            c.close();
            throw new IllegalStateException("topic " + topic + " does not exist (spine contracts provision creates it)");
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        return c;
    }

    /** Reads everything committed since the last refresh: new dead letters and state changes. */
    public synchronized void refresh() {
        catchUp(state, r -> {
            String id = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                states.remove(id);
            } else {
                states.put(id, StateCodec.decode(r.value()));
            }
        });
        catchUp(dlq, r -> {
            if (r.value() == null) {
                unreadable++;
                return;
            }
            WireDecoder.Decoded decoded = decoder.decode(r.value(), DeadLetterCodec.SCHEMA);
            if (decoded instanceof WireDecoder.Avro avro) {
                DeadLetter d = DeadLetterCodec.fromAvro((GenericRecord) avro.datum());
                letters.putIfAbsent(d.id(), new Located(d, r.partition(), r.offset()));
            } else {
                unreadable++;
                log.warn("dlq envelope unreadable partition={} offset={} reason={}", r.partition(), r.offset(),
                        ((WireDecoder.Undecodable) decoded).reason());
            }
        });
        forgetPastRetention();
    }

    /** Dead letters the DLQ no longer holds (past its retention, or records deleted) leave the queue, state and all. */
    private void forgetPastRetention() {
        Map<TopicPartition, Long> begins = dlq.beginningOffsets(dlq.assignment(), timeout);
        if (begins.equals(lastBegins)) {
            return;
        }
        lastBegins = Map.copyOf(begins);
        int before = letters.size();
        letters.values().removeIf(l -> {
            Long begin = begins.get(new TopicPartition(Topics.DLQ, l.partition()));
            boolean gone = begin != null && l.offset() < begin;
            if (gone) {
                states.remove(l.letter().id());
            }
            return gone;
        });
        if (letters.size() < before) {
            log.info("dlq dead letters past retention left the queue count={}", before - letters.size());
        }
    }

    /** Where a first load (or any long catch-up) reports how far it has got. */
    public void progressTo(LoadProgress listener) {
        this.progress = listener;
    }

    private void catchUp(KafkaConsumer<byte[], byte[]> consumer, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        // read_committed: the end offsets are the last stable offsets, so nothing still open is waited for.
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), timeout);
        long behind = ends.entrySet().stream().mapToLong(e -> Math.max(0, e.getValue() - consumer.position(e.getKey()))).sum();
        if (behind == 0) {
            return;
        }
        String topic = consumer.assignment().iterator().next().topic();
        long read = 0;
        // A large queue takes longer than the broker timeout to read: only a stall (nothing read for that long) fails.
        long stalledAt = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + 1_000_000_000L;
        while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > stalledAt) {
                throw new org.apache.kafka.common.errors.TimeoutException("reading " + consumer.assignment() + ": nothing arrived for " + timeout);
            }
            var records = consumer.poll(POLL);
            if (!records.isEmpty()) {
                stalledAt = System.nanoTime() + timeout.toNanos();
                read += records.count();
                records.forEach(each);
            }
            if (System.nanoTime() > nextReport) {
                progress.loaded(topic, read, behind, false);
                nextReport = System.nanoTime() + 1_000_000_000L;
            }
        }
        progress.loaded(topic, read, behind, true);
    }

    /** Every dead letter read so far, in the order they were read (per partition, oldest first). */
    public synchronized List<QueuedDeadLetter> all() {
        List<QueuedDeadLetter> out = new ArrayList<>(letters.size());
        for (Located l : letters.values()) {
            out.add(new QueuedDeadLetter(l.letter(), l.partition(), l.offset(), stateOf(l.letter().id())));
        }
        return out;
    }

    public synchronized Optional<QueuedDeadLetter> find(String id) {
        Located l = letters.get(id);
        return l == null ? Optional.empty() : Optional.of(new QueuedDeadLetter(l.letter(), l.partition(), l.offset(), stateOf(id)));
    }

    public synchronized DeadLetterState stateOf(String id) {
        return states.getOrDefault(id, DeadLetterState.untouched(id));
    }

    public synchronized long unreadable() {
        return unreadable;
    }

    @Override
    public synchronized void close() {
        dlq.close(Duration.ofSeconds(2));
        state.close(Duration.ofSeconds(2));
    }
}
