package io.meshspine.gate;

import io.meshspine.testkit.TopicReader;
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
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/** A payments contract in a domain of its own, its topics on the real broker, and readers of what the gate wrote. */
final class GateFixture implements AutoCloseable {

    static final byte[] HASH_KEY = "integration-test-hash-key-0123456789".getBytes(StandardCharsets.UTF_8);

    final SpineTestKit kit;
    final Contract contract;
    final SamplePayments samples;
    final RegistrySchemas registry;
    final long writerId;
    final KafkaProducer<byte[], byte[]> producer;
    private final TopicReader product;
    private final TopicReader dlq;

    GateFixture(SpineTestKit kit, String prefix) {
        this.kit = kit;
        this.contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), prefix);
        this.samples = new SamplePayments(contract.avroSchema());
        this.registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        this.writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.role() == TopicRole.RAW || t.role() == TopicRole.PRODUCT || t.name().equals(Topics.DLQ)).toList());
        var config = new java.util.HashMap<String, Object>(kit.producerConfig());
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.product = new TopicReader(kit, contract.productTopic());
        this.dlq = new TopicReader(kit, Topics.DLQ);
    }

    ContractCatalog catalog() {
        return ContractCatalog.of(List.of(contract));
    }

    GateConfig config(Path stateDir) {
        return config(stateDir, java.util.Map.of());
    }

    /** The gate's settings as a file would give them, with {@code overrides} on top. */
    GateConfig config(Path stateDir, java.util.Map<String, String> overrides) {
        return GateSettings.parse(settings(stateDir, overrides));
    }

    java.util.Map<String, String> settings(Path stateDir, java.util.Map<String, String> overrides) {
        java.util.Map<String, String> settings = new java.util.HashMap<>(java.util.Map.of("kafka.bootstrap.servers", kit.bootstrapServers(),
                "registry.url", kit.registryUrl(), "privacy.encrypt-dead-letters", "false", "gate.hash-key", new String(HASH_KEY, StandardCharsets.UTF_8),
                "gate.state-dir", stateDir.toString(), "gate.application-id", SpineTestKit.uniqueName("gate")));
        settings.putAll(overrides);
        return settings;
    }

    byte[] encode(GenericRecord record) {
        return WireFormat.encode(writerId, contract.avroSchema(), record);
    }

    GenericRecord valid(long sequence) {
        return samples.valid(sequence, Instant.now().minusSeconds(30));
    }

    void send(byte[] value) {
        producer.send(new ProducerRecord<>(contract.rawTopic(), "k".getBytes(StandardCharsets.UTF_8), value));
    }

    void send(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(contract.rawTopic(), key, value));
    }

    /** Product records read so far (read_committed), decoded. */
    List<GenericRecord> productRecords() {
        return product.poll().stream().map(r -> decode(r.value(), contract.avroSchema())).toList();
    }

    /** Dead letters of this fixture's contract read so far (the DLQ is shared by every test on the broker). */
    List<DeadLetter> deadLetters() {
        return dlq.poll().stream().map(r -> DeadLetterCodec.fromAvro(decode(r.value(), DeadLetterCodec.SCHEMA)))
                .filter(d -> contract.qualifiedName().equals(d.contract()) || contract.rawTopic().equals(d.original().topic()))
                .toList();
    }

    GenericRecord decode(byte[] wire, Schema schema) {
        try {
            Schema writer = registry.byContentId(WireFormat.schemaId(wire).orElseThrow());
            return new GenericDatumReader<GenericRecord>(writer, schema).read(null,
                    DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null));
        } catch (Exception e) {
            throw new AssertionError("cannot decode a record the gate wrote", e);
        }
    }

    /** The contract as a contracts tree on disk, for a gate in another JVM. */
    Path writeContractsTree(Path dir) throws IOException {
        Path source = Path.of("").toAbsolutePath().getParent().resolve("schemas/payments/transactions/v1");
        Path target = dir.resolve(contract.domain()).resolve("transactions/v1");
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                String text = Files.readString(f).replace("id: payments.transactions", "id: " + contract.id())
                        .replace("domain: payments", "domain: " + contract.domain());
                Files.writeString(target.resolve(f.getFileName()), text);
            }
        }
        return dir;
    }

    /** How many partitions the raw topic has: the gate runs one task, with its own dedup store, per partition. */
    int rawPartitions() {
        try {
            return kit.admin().describeTopics(List.of(contract.rawTopic())).allTopicNames().get().get(contract.rawTopic()).partitions().size();
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + contract.rawTopic(), e);
        }
    }

    /** The schema with one more optional field (default null): a newer writer schema the contract can still read. */
    static Schema withOptionalField(Schema schema, String name, Schema.Type type) {
        java.util.List<Schema.Field> fields = new java.util.ArrayList<>();
        schema.getFields().forEach(field -> fields.add(new Schema.Field(field, field.schema())));
        fields.add(new Schema.Field(name, Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(type)),
                null, Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    /** The record's fields copied into a record of another (wider) schema. */
    static GenericRecord copyInto(GenericRecord from, Schema to) {
        org.apache.avro.generic.GenericData.Record r = new org.apache.avro.generic.GenericData.Record(to);
        from.getSchema().getFields().forEach(field -> r.put(field.name(), from.get(field.name())));
        return r;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        product.close();
        dlq.close();
    }
}
