package io.meshspine.dlq.internal;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dead letters of data subjects, found by the subject HMAC their sealed envelope carries (issue 16: an erasure
 * marks them resolved). The index holds no HMAC, so this reads {@code spine.dlq} once from its beginning to the end it
 * has now: one pass over the topic per erasure, never a subject value compared.
 */
public final class SubjectDeadLetters {

    private static final Duration POLL = Duration.ofMillis(200);

    private SubjectDeadLetters() {
    }

    public static Set<String> find(KafkaClients clients, WireDecoder decoder, Set<String> subjectHmacs, Duration timeout) {
        Set<String> ids = new LinkedHashSet<>();
        if (subjectHmacs.isEmpty()) {
            return ids;
        }
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("spine-dlq-subject-scan")) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DLQ, timeout).stream()
                    .map(p -> new TopicPartition(Topics.DLQ, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long stalledAt = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end, timeout)) {
                var records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    stalledAt = System.nanoTime() + timeout.toNanos();
                } else if (System.nanoTime() > stalledAt) {
                    throw new org.apache.kafka.common.errors.TimeoutException("reading " + Topics.DLQ + " for the subject's dead letters: nothing arrived for " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.value() != null && decoder.decode(r.value(), DeadLetterCodec.SCHEMA) instanceof WireDecoder.Avro avro) {
                        DeadLetter d = DeadLetterCodec.fromAvro((GenericRecord) avro.datum());
                        if (d.sealed() && d.sealing().subjectHmac() != null && subjectHmacs.contains(d.sealing().subjectHmac())) {
                            ids.add(d.id());
                        }
                    }
                }
            }
        }
        return ids;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end, Duration timeout) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), timeout) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
