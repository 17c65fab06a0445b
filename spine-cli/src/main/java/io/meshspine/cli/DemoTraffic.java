package io.meshspine.cli;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.testkit.SamplePayments;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's synthetic source system: publishes payments events to the raw topic at a steady rate, a share of them
 * bad in every way the gate must catch (null, not Avro, unknown schema id, a writer schema the contract cannot read,
 * rule violations), plus a few re-deliveries of good ones.
 */
final class DemoTraffic implements AutoCloseable {

    /** The ways a demo record goes wrong, each tried in turn. */
    enum BadKind { NULL_VALUE, NOT_AVRO, UNKNOWN_SCHEMA_ID, UNREADABLE_SCHEMA, AMOUNT_OUT_OF_RANGE, UNKNOWN_CURRENCY, FUTURE_TIMESTAMP, REDELIVERY }

    private static final Logger log = LoggerFactory.getLogger(DemoTraffic.class);

    private final Contract payments;
    private final SamplePayments samples;
    private final KafkaProducer<byte[], byte[]> producer;
    private final long writerId;
    private final long unreadableId;
    private final Schema unreadable;
    private final int ratePerSecond;
    private final double badShare;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;

    DemoTraffic(Contract payments, String bootstrapServers, RegistrySchemas registry, int ratePerSecond, double badShare) {
        this.payments = payments;
        this.samples = new SamplePayments(payments.avroSchema());
        this.ratePerSecond = ratePerSecond;
        this.badShare = badShare;
        this.writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        this.unreadable = SchemaBuilder.record("LegacyTransaction").namespace("io.meshspine.demo").fields()
                .requiredString("transaction_id").requiredDouble("amount").endRecord();
        this.unreadableId = registry.contentIdFor(payments.domain(), "demo-legacy-transaction", unreadable);
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 20), new ByteArraySerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "demo-traffic");
        this.thread.setDaemon(true);
    }

    DemoTraffic start() {
        thread.start();
        return this;
    }

    long sent() {
        return sent.get();
    }

    private void run() {
        SplittableRandom random = new SplittableRandom(42);
        long sequence = 0;
        int badTurn = 0;
        byte[] lastGood = null;
        long intervalNanos = 1_000_000_000L / Math.max(1, ratePerSecond);
        long next = System.nanoTime();
        while (running.get()) {
            byte[] value;
            String correlation = "demo-" + sequence;
            if (random.nextDouble() < badShare) {
                BadKind kind = BadKind.values()[badTurn++ % BadKind.values().length];
                value = bad(kind, sequence, lastGood);
            } else {
                value = WireFormat.encode(writerId, payments.avroSchema(), samples.valid(sequence, Instant.now().minusMillis(50)));
                lastGood = value;
            }
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(payments.rawTopic(), null, ("k" + sequence).getBytes(StandardCharsets.UTF_8), value);
            record.headers().add(SpineHeaders.SOURCE, SpineHeaders.utf8("event"));
            record.headers().add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(correlation));
            producer.send(record, (meta, error) -> {
                if (error != null) {
                    log.warn("demo traffic could not publish: {}", error.toString());
                }
            });
            sent.incrementAndGet();
            sequence++;
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    private byte[] bad(BadKind kind, long sequence, byte[] lastGood) {
        GenericRecord r = samples.valid(sequence, Instant.now().minusMillis(50));
        return switch (kind) {
            case NULL_VALUE -> null;
            case NOT_AVRO -> ("{\"transaction_id\":\"" + sequence + "\",\"amount\":\"12.50\"}").getBytes(StandardCharsets.UTF_8);
            case UNKNOWN_SCHEMA_ID -> WireFormat.encode(9_999_999, payments.avroSchema(), r);
            case UNREADABLE_SCHEMA -> {
                GenericRecord legacy = new GenericData.Record(unreadable);
                legacy.put("transaction_id", r.get("transaction_id"));
                legacy.put("amount", 12.5);
                yield WireFormat.encode(unreadableId, unreadable, legacy);
            }
            case AMOUNT_OUT_OF_RANGE -> {
                r.put("amount", SamplePayments.money("2500000.00"));
                r.put("fee_amount", null);
                yield WireFormat.encode(writerId, payments.avroSchema(), r);
            }
            case UNKNOWN_CURRENCY -> {
                r.put("currency", "aud");
                yield WireFormat.encode(writerId, payments.avroSchema(), r);
            }
            case FUTURE_TIMESTAMP -> {
                r.put("occurred_at", (System.currentTimeMillis() + 3_600_000L) * 1000);
                yield WireFormat.encode(writerId, payments.avroSchema(), r);
            }
            case REDELIVERY -> lastGood != null ? lastGood : WireFormat.encode(writerId, payments.avroSchema(), r);
        };
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(5));
    }

    static List<String> badKinds() {
        return java.util.Arrays.stream(BadKind.values()).map(k -> k.name().toLowerCase().replace('_', '-')).toList();
    }
}
