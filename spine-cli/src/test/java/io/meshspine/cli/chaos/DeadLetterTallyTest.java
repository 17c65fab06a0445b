package io.meshspine.cli.chaos;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.privacy.DeadLetterSealer;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos run's DLQ tally on the real broker and registry: one bad crm.customers record dead-lettered twice, its
 * dead letters sealed (the contract's key holds PII, so each seal of the key is a new ciphertext), counts as one
 * record with a repeat, not as two records.
 */
@ExtendWith(SpineExtension.class)
class DeadLetterTallyTest {

    @Test
    void a_sealed_bad_record_dead_lettered_twice_is_one_record_with_a_repeat(SpineTestKit kit) {
        Contract customers = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("crm.customers", 1).orElseThrow(), "tally");
        ContractCatalog catalog = ContractCatalog.of(List.of(customers));
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(customers)).topics());
        RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        WireDecoder decoder = new WireDecoder(schemas);
        long envelopeId = DeadLetterCodec.contentId(schemas);
        Instant now = Instant.now();
        byte[] key = "BAD-12".getBytes(StandardCharsets.UTF_8);
        OriginalRecord original = new OriginalRecord(customers.rawTopic(), 0, 7L, now.toEpochMilli(), key,
                "not avro".getBytes(StandardCharsets.UTF_8), List.of());
        DeadLetter letter = DeadLetter.processingFailure(new DeadLetter.Origin("test", original, customers.qualifiedName(),
                customers.version(), "corr-1", 0, now, Map.of()), "refused on purpose");
        try (DeadLetterSealer sealer = DeadLetterSealer.over(PrivacyConfig.DEMO, Topics.PRIVACY_KEYS,
                Map.of("bootstrap.servers", kit.bootstrapServers()), catalog, decoder);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            DeadLetter first = sealer.seal(letter);
            DeadLetter again = sealer.seal(letter);
            assertThat(first.sealed()).isTrue();
            assertThat(first.original().key()).as("two seals of one key differ").isNotEqualTo(again.original().key());
            for (DeadLetter d : List.of(first, again)) {
                producer.send(new ProducerRecord<>(Topics.DLQ, d.original().key(),
                        WireFormat.encode(envelopeId, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d))));
            }
            producer.flush();
        }

        DeadLetterTally tally = DeadLetterTally.read(kit.bootstrapServers(), kit.registryUrl(), PrivacyConfig.DEMO, catalog);

        String product = customers.qualifiedName().replaceFirst("\\.v\\d+$", "");
        assertThat(tally.of(product)).containsEntry(FailureType.PROCESSING, new DeadLetterTally.Count(2, 1));
    }
}
