package io.meshspine.sink;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** One contract in a fresh domain, its topics, registry ids, a producer, and a lake directory. */
final class LakeFixture implements AutoCloseable {

    final SpineTestKit kit;
    final Contract contract;
    final RegistrySchemas registry;
    final KafkaProducer<byte[], byte[]> producer;
    final Path lake;
    final long valueId;
    final long keyId;

    LakeFixture(SpineTestKit kit, String contractId, String prefix, Path lake, int partitions) {
        this(kit, ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find(contractId, 1).orElseThrow(), prefix), lake, partitions);
    }

    LakeFixture(SpineTestKit kit, Contract contract, Path lake, int partitions) {
        this.kit = kit;
        this.contract = contract;
        this.lake = lake;
        kit.createTopic(contract.rawTopic(), partitions);
        kit.createTopic(contract.productTopic(), partitions);
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.name().equals(Topics.DLQ) || t.name().equals(Topics.PRIVACY_KEYS)).toList());
        this.registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        this.valueId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.productTopic()), contract.avroSchema());
        this.keyId = registry.contentIdFor(contract.domain(), ContractRegistrar.keyArtifact(contract.productTopic()), contract.keySchema());
        this.producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    ContractCatalog catalog() {
        return ContractCatalog.of(List.of(contract));
    }

    SinkConfig config(BatchTrigger trigger) {
        return SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("sink")).withTrigger(trigger).withTableTriggers(Map.of());
    }

    String silverPath() {
        return LakeTables.path(lake.toString(), LakeTables.silverName(contract));
    }

    String bronzePath() {
        return LakeTables.path(lake.toString(), LakeTables.bronzeName(contract));
    }

    byte[] key(GenericRecord value) {
        GenericData.Record key = new GenericData.Record(contract.keySchema());
        contract.keys().forEach(k -> key.put(k, value.get(k)));
        return WireFormat.encode(keyId, contract.keySchema(), key);
    }

    byte[] value(GenericRecord value) {
        return WireFormat.encode(valueId, contract.avroSchema(), value);
    }

    void sendProduct(GenericRecord value) {
        producer.send(new ProducerRecord<>(contract.productTopic(), key(value), value(value)));
    }

    /** A CDC delete as the gate writes it: tombstone, business key, {@code spine.op=d}. */
    void sendDelete(GenericRecord keySource) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(contract.productTopic(), key(keySource), null);
        r.headers().add(new RecordHeader(io.meshspine.core.cdc.ChangeEvent.OP_HEADER, "d".getBytes()));
        producer.send(r);
    }

    void sendRaw(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(contract.rawTopic(), key, value));
    }

    /** Dead letters of this contract on spine.dlq, read_committed from the beginning. */
    List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("dlq")), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.DLQ).stream().map(p -> new TopicPartition(Topics.DLQ, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    DeadLetter d = DeadLetterCodec.fromAvro(decode(r.value(), DeadLetterCodec.SCHEMA));
                    if (contract.qualifiedName().equals(d.contract())) {
                        out.add(d);
                    }
                }
            }
        }
        return out;
    }

    GenericRecord decode(byte[] wire, Schema schema) {
        try {
            Schema writer = registry.byContentId(WireFormat.schemaId(wire).orElseThrow());
            return new GenericDatumReader<GenericRecord>(writer, schema).read(null,
                    DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Data files on disk under the table (committed or not). */
    static long parquetFiles(Path table) {
        if (!Files.exists(table)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(table)) {
            return files.filter(p -> p.toString().endsWith(".parquet")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
