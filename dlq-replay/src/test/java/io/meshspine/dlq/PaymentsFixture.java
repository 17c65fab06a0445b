package io.meshspine.dlq;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.topic.Topics;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The payments contract in a domain of its own on the real broker and registry: its topics, a producer of raw
 * payments, the real contract gate, and readers of what lands where. The DLQ is shared by every test on the broker,
 * so everything here is scoped by this fixture's contract.
 */
final class PaymentsFixture implements AutoCloseable {

    static final byte[] HASH_KEY = "dlq-replay-test-hash-key-0123456789".getBytes(StandardCharsets.UTF_8);

    final SpineTestKit kit;
    final Contract contract;
    final ContractCatalog catalog;
    final SamplePayments samples;
    final RegistrySchemas registry;
    final long writerId;
    private final KafkaProducer<byte[], byte[]> producer;
    private long nextOffset = 1_000;

    PaymentsFixture(SpineTestKit kit, String prefix) {
        this.kit = kit;
        this.contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), prefix);
        this.catalog = ContractCatalog.of(List.of(contract));
        this.samples = new SamplePayments(contract.avroSchema());
        this.registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        this.writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.role() == TopicRole.RAW || t.role() == TopicRole.PRODUCT || Topics.isInternal(t.name())
                        && t.name().startsWith(Topics.DLQ) || t.name().equals(Topics.AUDIT)).toList());
        this.producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    DlqConfig config() {
        return DlqConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withHttpPort(0);
    }

    DeadLetterFilter mine(String... more) {
        java.util.Map<String, List<String>> p = new java.util.LinkedHashMap<>();
        p.put("contract", List.of(contract.qualifiedName()));
        for (String m : more) {
            int eq = m.indexOf('=');
            p.computeIfAbsent(m.substring(0, eq), k -> new ArrayList<>()).add(m.substring(eq + 1));
        }
        return DeadLetterFilter.parse(p);
    }

    /** The gate with dead-letter originals in clear: these specs read them byte for byte. */
    ContractGateService startGate(Path stateDir) {
        return startGate(stateDir, false);
    }

    /** @param seal whether dead-letter originals are encrypted (the key topic must exist then) */
    ContractGateService startGate(Path stateDir, boolean seal) {
        GateConfig config = GateSettings.parse(java.util.Map.of("kafka.bootstrap.servers", kit.bootstrapServers(),
                "registry.url", kit.registryUrl(), "privacy.encrypt-dead-letters", Boolean.toString(seal), "gate.hash-key", new String(HASH_KEY, java.nio.charset.StandardCharsets.UTF_8),
                "gate.state-dir", stateDir.toString(), "gate.application-id", SpineTestKit.uniqueName("dlq-gate")));
        return ContractGateService.start(config, catalog, new SimpleMeterRegistry(), ProductTransform.NONE);
    }

    GenericRecord payment(long sequence, String currency) {
        GenericRecord r = samples.valid(sequence, Instant.now().minusSeconds(60));
        r.put("currency", currency);
        return r;
    }

    /** Sends raw payments with the business key the lanes would set; returns their transaction ids. */
    List<String> send(List<GenericRecord> records) {
        List<String> ids = new ArrayList<>();
        for (GenericRecord r : records) {
            GenericRecord key = new org.apache.avro.generic.GenericData.Record(contract.keySchema());
            key.put("transaction_id", r.get("transaction_id"));
            long keyId = registry.contentIdFor(contract.domain(), ContractRegistrar.keyArtifact(contract.rawTopic()), contract.keySchema());
            producer.send(new ProducerRecord<>(contract.rawTopic(), WireFormat.encode(keyId, contract.keySchema(), key),
                    WireFormat.encode(writerId, contract.avroSchema(), r)));
            ids.add(r.get("transaction_id").toString());
        }
        producer.flush();
        return ids;
    }

    /**
     * Dead letters as the gate writes them (a bad currency, RULE), published straight to the DLQ: for tests about the
     * workbench rather than the gate. Their originals sit at made-up offsets of this fixture's raw topic.
     */
    List<DeadLetter> publishDeadLetters(int count, String currency) {
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            GenericRecord value = payment(nextOffset, currency);
            letters.add(publishRuleViolation(value));
        }
        return letters;
    }

    /** One dead letter of a payment that breaks the currency rule, as the gate writes it. */
    DeadLetter publishRuleViolation(GenericRecord value) {
        return publishRuleViolation(value, contract.rawTopic());
    }

    /** As {@link #publishDeadLetters(int, String)}, dead-lettered at {@code at} (a spike some hours ago, for the arrivals). */
    List<DeadLetter> publishDeadLettersAt(int count, String currency, Instant at) {
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            letters.add(publishRuleViolation(payment(nextOffset, currency), contract.rawTopic(), at));
        }
        return letters;
    }

    /** As the gate would write it, but as if the record had come from {@code sourceTopic}. */
    DeadLetter publishRuleViolation(GenericRecord value, String sourceTopic) {
        return publishRuleViolation(value, sourceTopic, Instant.now());
    }

    private DeadLetter publishRuleViolation(GenericRecord value, String sourceTopic, Instant at) {
        long offset = nextOffset++;
        OriginalRecord original = original(sourceTopic, offset, value.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8),
                WireFormat.encode(writerId, contract.avroSchema(), value));
        DeadLetter d = DeadLetter.ruleViolations(new DeadLetter.Origin("gate", original, contract.qualifiedName(), contract.version(),
                "corr-" + offset, 0, at, Map.of()),
                List.of(new RuleViolation("currency-iso-4217", Severity.ERROR, "currency", "not an ISO-4217 code")));
        return publish(d);
    }

    /** A dead letter with no contract (bytes nothing could decode), from the given source topic. */
    DeadLetter publishUndecodable(String sourceTopic) {
        long offset = nextOffset++;
        OriginalRecord original = original(sourceTopic, offset, ("k-" + offset).getBytes(StandardCharsets.UTF_8),
                ("not avro " + offset).getBytes(StandardCharsets.UTF_8));
        return publish(DeadLetter.undecodable(new DeadLetter.Origin("gate", original, null, null, "corr-" + offset, 0, Instant.now(),
                Map.of()), "no magic byte"));
    }

    private static OriginalRecord original(String topic, long offset, byte[] key, byte[] value) {
        return new OriginalRecord(topic, 0, offset, System.currentTimeMillis(), key, value,
                List.of(new OriginalRecord.Header(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8("corr-" + offset))));
    }

    private DeadLetter publish(DeadLetter d) {
        long envelopeId = DeadLetterCodec.contentId(registry);
        producer.send(new ProducerRecord<>(Topics.DLQ, d.original().key(), WireFormat.encode(envelopeId, DeadLetterCodec.SCHEMA,
                DeadLetterCodec.toAvro(d))));
        producer.flush();
        return d;
    }

    GenericRecord decode(byte[] wire, Schema schema) {
        try {
            Schema writer = registry.byContentId(WireFormat.schemaId(wire).orElseThrow());
            return new GenericDatumReader<GenericRecord>(writer, schema).read(null,
                    DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null));
        } catch (Exception e) {
            throw new AssertionError("cannot decode a record", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
