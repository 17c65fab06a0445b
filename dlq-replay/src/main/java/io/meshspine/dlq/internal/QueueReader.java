package io.meshspine.dlq.internal;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.LoadProgress;
import io.meshspine.dlq.QueueEntry;
import io.meshspine.dlq.QueuedDeadLetter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * The DLQ joined with its state topic, read read_committed up to the last stable offsets at each {@link #refresh()}
 * into the queue's index outside the heap ({@link DeadLetterIndex}): what stewards list, count and act on. The
 * payloads stay on the DLQ and are fetched by partition and offset when a dead letter is looked at in full
 * ({@link #find}, {@link #load}); the last ones fetched are kept in a bounded cache, so a replay batch re-reading
 * what its selection fetched does not fetch it again. Reads with assigned partitions and no group, committing
 * nothing; where it has read to is kept in the index, so a restart catches up from there. Envelopes this build cannot
 * read are counted and skipped (they stay on the topic; {@code tail} shows them).
 */
public final class QueueReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /** Envelopes kept in the heap at most (about 2 KB each): a replay's selection and its batches' re-reads. */
    private static final int CACHED = 16_384;
    /** How often the partitions' beginnings are compared with the index: retention works in segments of hours. */
    private static final Duration RETENTION_CHECK = Duration.ofSeconds(5);

    private final DeadLetterIndex index;
    private final KafkaConsumer<byte[], byte[]> dlq;
    private final KafkaConsumer<byte[], byte[]> state;
    private final PayloadFetcher payloads;
    private final WireDecoder decoder;
    /** Opens encrypted originals (issue 16): every fetched dead letter is held in clear from here on. */
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;
    private final Duration timeout;
    private final Map<String, DeadLetter> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DeadLetter> eldest) {
            return size() > CACHED;
        }
    };
    private long unreadable;
    private long keysNotIndexed;
    private volatile LoadProgress progress = LoadProgress.NONE;
    private Map<TopicPartition, Long> lastBegins = Map.of();
    private long nextRetentionCheck = System.nanoTime();

    /** Opens the index in {@code stateDir} (null: a temporary one) and positions the readers where it had read to. */
    public QueueReader(KafkaClients clients, WireDecoder decoder, Duration timeout, Path stateDir) {
        this(clients, decoder, null, timeout, stateDir);
    }

    /** As above; {@code sealer} opens encrypted originals (null: every original is taken as it is). */
    public QueueReader(KafkaClients clients, WireDecoder decoder, io.meshspine.core.privacy.DeadLetterSealer sealer, Duration timeout,
                       Path stateDir) {
        this.decoder = decoder;
        this.sealer = sealer;
        this.timeout = timeout;
        this.index = DeadLetterIndex.open(stateDir);
        try {
            this.dlq = consumer(clients, "spine-dlq-reader", Topics.DLQ);
            this.state = consumer(clients, "spine-dlq-state-reader", Topics.DLQ_STATE);
            if (!resume(dlq) || !resume(state)) {
                // a topic is shorter than what the index read of it: recreated under it; start again from nothing
                log.info("dlq index ahead of its topics (recreated?); rebuilding from the beginning");
                index.clear();
                dlq.seekToBeginning(dlq.assignment());
                state.seekToBeginning(state.assignment());
            }
            this.unreadable = index.unreadable();
            this.payloads = new PayloadFetcher(clients, decoder, timeout);
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
        log.info("dlq index opened dead_letters={} dir={}", index.size(), stateDir == null ? "(temporary)" : stateDir);
    }

    private KafkaConsumer<byte[], byte[]> consumer(KafkaClients clients, String clientId, String topic) {
        KafkaConsumer<byte[], byte[]> c = clients.reader(clientId);
        List<TopicPartition> partitions = c.partitionsFor(topic, timeout).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
            c.close();
            throw new IllegalStateException("topic " + topic + " does not exist (spine contracts provision creates it)");
        }
        c.assign(partitions);
        return c;
    }

    /** Seeks each partition to where the index had read it to; false when that lies beyond the partition's end. */
    private boolean resume(KafkaConsumer<byte[], byte[]> consumer) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), timeout);
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong at = index.position(tp.topic(), tp.partition());
            if (at.isEmpty()) {
                consumer.seekToBeginning(List.of(tp));
            } else if (at.getAsLong() > ends.getOrDefault(tp, 0L)) {
                return false;
            } else {
                // before the partition's beginning (retention): the consumer resets to earliest
                consumer.seek(tp, at.getAsLong());
            }
        }
        return true;
    }

    /** Reads everything committed since the last refresh: new dead letters and state changes. */
    public synchronized void refresh() {
        catchUp(state, r -> index.state(new String(r.key(), StandardCharsets.UTF_8), r.value()));
        long unreadableBefore = unreadable;
        catchUp(dlq, r -> {
            if (r.value() == null) {
                unreadable++;
                return;
            }
            WireDecoder.Decoded decoded = decoder.decode(r.value(), DeadLetterCodec.SCHEMA);
            if (decoded instanceof WireDecoder.Avro avro) {
                DeadLetter d = DeadLetterCodec.fromAvro((GenericRecord) avro.datum());
                index.add(entryOf(d, r.partition(), r.offset()));
            } else {
                unreadable++;
                log.warn("dlq envelope unreadable partition={} offset={} reason={}", r.partition(), r.offset(),
                        ((WireDecoder.Undecodable) decoded).reason());
            }
        });
        if (unreadable != unreadableBefore) {
            index.unreadable(unreadable);
        }
        forgetPastRetention();
    }

    private QueueEntry entryOf(DeadLetter d, int partition, long offset) {
        String keySha256;
        try {
            byte[] key = d.original().key();
            if (sealer != null && d.sealed() && d.sealing().keySealed()) {
                // the key is encrypted (a key field is PII): indexed by the hash of its clear text, none once erased
                var opened = sealer.open(d);
                key = opened instanceof io.meshspine.core.privacy.DeadLetterSealer.Opened.Plain p ? p.letter().original().key() : null;
            }
            keySha256 = key == null ? null : KeyText.sha256(KeyText.of(key, decoder));
        } catch (io.meshspine.core.privacy.KeyStoreLostException e) {
            throw e; // a lost key store is never quietly taken for "not indexed"
        } catch (RuntimeException e) {
            // the key's schema is not to be had now: key= will not find this one, everything else will
            keySha256 = null;
            if (keysNotIndexed++ % 10_000 == 0) {
                log.warn("dlq key not indexed id={} problem={} so_far={}", d.id(), e.getClass().getSimpleName(), keysNotIndexed);
            }
        }
        return new QueueEntry(d.id(), partition, offset, d.failureType(), d.contract(), d.original().topic(), d.ruleIds(),
                d.deadLetteredAt(), d.correlationId(), d.replayCount(), d.message(), keySha256, DeadLetterStatus.ACTIVE, false, null, d.stage());
    }

    /**
     * Dead letters the DLQ no longer holds (past its retention, or records deleted) leave the index, state and all.
     * Checked at the first refresh and then at most every {@link #RETENTION_CHECK} (one metadata call; work only when
     * a partition's beginning moved), so a summary or a page does not wait for it each time.
     */
    private void forgetPastRetention() {
        if (System.nanoTime() < nextRetentionCheck) {
            return;
        }
        nextRetentionCheck = System.nanoTime() + RETENTION_CHECK.toNanos();
        Map<TopicPartition, Long> begins = dlq.beginningOffsets(dlq.assignment(), timeout);
        if (begins.equals(lastBegins)) {
            return;
        }
        lastBegins = Map.copyOf(begins);
        long before = index.size();
        begins.forEach((tp, begin) -> index.removeBefore(tp.partition(), begin));
        if (index.size() < before) {
            log.info("dlq dead letters past retention left the queue count={}", before - index.size());
            synchronized (cache) {
                cache.clear();
            }
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
                // after what it records: a crash re-reads, and re-reading a dead letter or a state record changes nothing
                for (TopicPartition tp : records.partitions()) {
                    index.position(tp.topic(), tp.partition(), consumer.position(tp));
                }
            }
            if (System.nanoTime() > nextReport) {
                progress.loaded(topic, read, behind, false);
                nextReport = System.nanoTime() + 1_000_000_000L;
            }
        }
        for (TopicPartition tp : consumer.assignment()) {
            index.position(tp.topic(), tp.partition(), consumer.position(tp));
        }
        progress.loaded(topic, read, behind, true);
    }

    /** The counts by bucket as the index holds them now (no refresh). */
    public synchronized Map<DeadLetterIndex.Bucket, Long> counts() {
        return index.counts();
    }

    /** Visits the whole index in no particular order (the fastest read of it) until the visitor says stop. */
    public synchronized void all(Predicate<QueueEntry> visitor) {
        index.all(visitor);
    }

    /** Visits the index by partition and offset (oldest first per partition) until the visitor says stop. */
    public synchronized void byOffset(Predicate<QueueEntry> visitor) {
        index.byOffset(visitor);
    }

    /** Visits the index by time, newest or oldest first, after {@code (at, id)} when given, until the visitor says stop. */
    public synchronized void byTime(boolean newestFirst, java.time.Instant afterAt, String afterId, Predicate<QueueEntry> visitor) {
        index.byTime(newestFirst, afterAt, afterId, visitor);
    }

    /** The dead letters of these entries in full (payloads fetched unless cached), in the same order; gone ones left out. */
    public List<QueuedDeadLetter> load(List<QueueEntry> entries) {
        Map<String, DeadLetter> found = new java.util.HashMap<>();
        List<QueueEntry> missing = new ArrayList<>();
        synchronized (cache) {
            for (QueueEntry e : entries) {
                DeadLetter d = cache.get(e.id());
                if (d != null) {
                    found.put(e.id(), d);
                } else {
                    missing.add(e);
                }
            }
        }
        if (!missing.isEmpty()) {
            Map<String, DeadLetter> fetched = payloads.fetch(missing);
            found.putAll(fetched);
            synchronized (cache) {
                cache.putAll(fetched);
            }
        }
        List<QueuedDeadLetter> out = new ArrayList<>(entries.size());
        for (QueueEntry e : entries) {
            DeadLetter d = found.get(e.id());
            if (d != null) {
                // The cache holds envelopes as stored (sealed): opened for each use, so a subject erased meanwhile is
                // no longer shown from memory. Masking for viewers happens where they are shown.
                out.add(new QueuedDeadLetter(sealer == null ? d : sealer.open(d).letter(), e.partition(), e.offset(), stateOf(e.id())));
            }
        }
        return out;
    }

    /** One dead letter in full with its state as read now (no refresh), its payload fetched unless cached. */
    public Optional<QueuedDeadLetter> find(String id) {
        Optional<QueueEntry> e = entry(id);
        if (e.isEmpty()) {
            return Optional.empty();
        }
        List<QueuedDeadLetter> loaded = load(List.of(e.get()));
        return loaded.isEmpty() ? Optional.empty() : Optional.of(loaded.get(0));
    }

    public synchronized Optional<QueueEntry> entry(String id) {
        return index.entry(id);
    }

    public synchronized DeadLetterState stateOf(String id) {
        return index.state(id);
    }

    public synchronized long size() {
        return index.size();
    }

    public synchronized long unreadable() {
        return unreadable;
    }

    @Override
    public synchronized void close() {
        try {
            payloads.close();
            dlq.close(Duration.ofSeconds(2));
            state.close(Duration.ofSeconds(2));
        } finally {
            index.close();
        }
    }
}
