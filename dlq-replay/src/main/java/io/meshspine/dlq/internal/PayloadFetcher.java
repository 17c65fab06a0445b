package io.meshspine.dlq.internal;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.QueueEntry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fetches dead letters from the DLQ by partition and offset: what the index points at, read only when a dead letter
 * is inspected, repaired, replayed or filtered on a payload field. Many at once are read in offset order per
 * partition, reading on through short gaps and seeking over long ones.
 */
final class PayloadFetcher implements AutoCloseable {

    /** Offsets closer than this are read through rather than sought to: a seek costs a fetch round trip. */
    private static final long READ_THROUGH = 500;
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final WireDecoder decoder;
    private final Duration timeout;

    PayloadFetcher(KafkaClients clients, WireDecoder decoder, Duration timeout) {
        this.consumer = clients.reader("spine-dlq-payloads");
        this.decoder = decoder;
        this.timeout = timeout;
    }

    /** The envelopes of these entries by id; one the DLQ no longer holds (retention) or cannot decode is left out. */
    synchronized Map<String, DeadLetter> fetch(List<QueueEntry> entries) {
        Map<Integer, TreeMap<Long, String>> wanted = new TreeMap<>();
        for (QueueEntry e : entries) {
            wanted.computeIfAbsent(e.partition(), p -> new TreeMap<>()).put(e.offset(), e.id());
        }
        Map<String, DeadLetter> out = new HashMap<>(entries.size() * 2);
        for (Map.Entry<Integer, TreeMap<Long, String>> w : wanted.entrySet()) {
            fetch(new TopicPartition(Topics.DLQ, w.getKey()), w.getValue(), out);
        }
        return out;
    }

    private void fetch(TopicPartition tp, TreeMap<Long, String> offsets, Map<String, DeadLetter> out) {
        consumer.assign(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), timeout).getOrDefault(tp, 0L);
        consumer.seek(tp, offsets.firstKey());
        long stalledAt = System.nanoTime() + timeout.toNanos();
        while (!offsets.isEmpty()) {
            var records = consumer.poll(POLL);
            if (!records.isEmpty()) {
                stalledAt = System.nanoTime() + timeout.toNanos();
            }
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                String id = offsets.remove(r.offset());
                if (id != null && r.value() != null
                        && decoder.decode(r.value(), DeadLetterCodec.SCHEMA) instanceof WireDecoder.Avro avro) {
                    DeadLetter d = DeadLetterCodec.fromAvro((GenericRecord) avro.datum());
                    if (d.id().equals(id)) {
                        out.put(id, d);
                    }
                }
            }
            long position = consumer.position(tp);
            // what lies behind the position is gone (deleted under us, or a marker): not on the topic any more
            offsets.headMap(position).clear();
            if (offsets.isEmpty() || position >= end) {
                return;
            }
            long next = offsets.firstKey();
            if (next - position > READ_THROUGH) {
                consumer.seek(tp, next);
            }
            if (System.nanoTime() > stalledAt) {
                throw new org.apache.kafka.common.errors.TimeoutException("fetching dead letters from " + tp + ": nothing arrived for " + timeout);
            }
        }
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
