package io.meshspine.cli.chaos;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.privacy.DeadLetterSealer;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The central DLQ at the end of a chaos run, read committed from the start: per contract and failure type, the dead
 * letters and the distinct records they stand for. A record is identified by its original key (every bad record a
 * chaos run sends has a key of its own) or, without one, by the dead letter's id; two dead letters for one record mean
 * a re-delivered bad record was dead-lettered twice. A sealed dead letter (its contract has PII) is opened first with
 * the run's privacy settings: each seal of a key is a new ciphertext, so sealed keys would make every repeat look like
 * another record (a repeated crm.customers dead letter counted as one bad record too many, not as a repeat).
 */
final class DeadLetterTally {

    record Count(long letters, long records) {
    }

    private final Map<String, Map<FailureType, Long>> letters = new HashMap<>();
    private final Map<String, Map<FailureType, Set<String>>> records = new HashMap<>();
    private long undecodable;
    private long unopened;

    /**
     * @param privacy the services' privacy settings (the key topic's master key), to open sealed dead letters
     */
    static DeadLetterTally read(String bootstrap, String registryUrl, PrivacyConfig privacy, ContractCatalog contracts) {
        DeadLetterTally tally = new DeadLetterTally();
        WireDecoder decoder = new WireDecoder(new RegistrySchemas(new ApicurioClient(registryUrl)));
        try (DeadLetterSealer opener = DeadLetterSealer.over(privacy, Topics.PRIVACY_KEYS, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                contracts, decoder);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DLQ, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    tally.add(r, decoder, opener);
                }
            }
        }
        return tally;
    }

    private void add(ConsumerRecord<byte[], byte[]> r, WireDecoder decoder, DeadLetterSealer opener) {
        if (!(decoder.decode(r.value(), DeadLetterCodec.SCHEMA) instanceof WireDecoder.Avro avro)) {
            undecodable++;
            return;
        }
        DeadLetter d = DeadLetterCodec.fromAvro((GenericRecord) avro.datum());
        try {
            if (opener.open(d) instanceof DeadLetterSealer.Opened.Plain plain) {
                d = plain.letter();
            }
        } catch (RuntimeException e) {
            // Counted by its sealed key: a repeat of it then shows as one record too many, which fails the run too.
            unopened++;
        }
        String contract = d.contract() == null ? "(none)" : d.contract().replaceFirst("\\.v\\d+$", "");
        letters.computeIfAbsent(contract, c -> new EnumMap<>(FailureType.class)).merge(d.failureType(), 1L, Long::sum);
        String identity = d.original().key() != null ? "key:" + HexFormat.of().formatHex(d.original().key()) : "id:" + d.id();
        records.computeIfAbsent(contract, c -> new EnumMap<>(FailureType.class)).computeIfAbsent(d.failureType(), t -> new HashSet<>()).add(identity);
    }

    Map<FailureType, Count> of(String contract) {
        Map<FailureType, Count> out = new EnumMap<>(FailureType.class);
        letters.getOrDefault(contract, Map.of()).forEach((type, n) ->
                out.put(type, new Count(n, records.get(contract).get(type).size())));
        return out;
    }

    Set<String> contracts() {
        return letters.keySet();
    }

    long undecodable() {
        return undecodable;
    }

    /** Sealed dead letters that could not be opened (their key missing from the key topic). */
    long unopened() {
        return unopened;
    }
}
