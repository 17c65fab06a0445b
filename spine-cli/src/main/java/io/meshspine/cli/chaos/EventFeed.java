package io.meshspine.cli.chaos;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.ingest.event.EventPublisher;
import io.meshspine.ingest.event.PublishResult;
import io.meshspine.ingest.event.PublishUnavailableException;
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

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The event lane's share of a chaos run: payments published through the event lane ({@link EventPublisher}, JSON lines
 * checked against the contract and sent as Avro), some of them re-sent as a source would after a timeout, and bad
 * records of every kind the gate must catch, written as raw bytes a broken producer would send. Every record counts
 * once the broker acknowledged it; a batch the broker did not acknowledge (an outage) is sent again whole, so the gate's
 * dedup, not the feed, keeps Silver free of duplicates.
 */
final class EventFeed {

    static final Ledger.BadKind NULL_VALUE = new Ledger.BadKind("null-value", FailureType.DESERIALIZATION);
    static final Ledger.BadKind NOT_AVRO = new Ledger.BadKind("not-avro", FailureType.DESERIALIZATION);
    static final Ledger.BadKind UNKNOWN_SCHEMA_ID = new Ledger.BadKind("unknown-schema-id", FailureType.DESERIALIZATION);
    static final Ledger.BadKind UNREADABLE_SCHEMA = new Ledger.BadKind("unreadable-schema", FailureType.SCHEMA);
    static final Ledger.BadKind AMOUNT_OUT_OF_RANGE = new Ledger.BadKind("amount-out-of-range", FailureType.RULE);
    static final Ledger.BadKind UNKNOWN_CURRENCY = new Ledger.BadKind("unknown-currency", FailureType.RULE);
    static final Ledger.BadKind FUTURE_TIMESTAMP = new Ledger.BadKind("future-timestamp", FailureType.RULE);
    static final List<Ledger.BadKind> BAD_KINDS = List.of(NULL_VALUE, NOT_AVRO, UNKNOWN_SCHEMA_ID, UNREADABLE_SCHEMA,
            AMOUNT_OUT_OF_RANGE, UNKNOWN_CURRENCY, FUTURE_TIMESTAMP);

    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
    private static final int BATCH = 20;

    private final Contract payments;
    private final String bootstrap;
    private final String registryUrl;
    private final Ledger ledger;
    private final SamplePayments samples;
    private final long writerId;
    private final long unreadableId;
    private final Schema unreadable;

    EventFeed(Contract payments, String bootstrap, String registryUrl, Ledger ledger) {
        this.payments = payments;
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.ledger = ledger;
        this.samples = new SamplePayments(payments.avroSchema());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(registryUrl));
        this.writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        this.unreadable = SchemaBuilder.record("LegacyTransaction").namespace("io.meshspine.chaos").fields()
                .requiredString("transaction_id").requiredDouble("amount").endRecord();
        this.unreadableId = registry.contentIdFor(payments.domain(), "chaos-legacy-transaction", unreadable);
    }

    /**
     * Sends {@code records} events (good and bad) spread evenly over {@code span}; {@code badEvery}: one bad record in so
     * many, the kinds in turn; one good batch in ten is sent twice. Returns when all are acknowledged.
     */
    void run(int records, Duration span, int badEvery, java.util.function.BooleanSupplier stopping) {
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            EventPublisher publisher = connect(stopping);
            try {
                long sequence = 0;
                int badTurn = 0;
                int sent = 0;
                int batches = 0;
                long intervalNanos = span.toNanos() / Math.max(1, records / BATCH);
                long next = System.nanoTime();
                while (sent < records && !stopping.getAsBoolean()) {
                    List<String> lines = new ArrayList<>();
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < BATCH && sent < records; i++, sent++) {
                        if (badEvery > 0 && sent % badEvery == badEvery - 1) {
                            sendBad(raw, BAD_KINDS.get(badTurn++ % BAD_KINDS.size()), sequence++);
                            continue;
                        }
                        GenericRecord r = samples.valid(sequence++, Instant.now().minusSeconds(60));
                        lines.add(AvroJson.toJson(r).toString());
                        ids.add(r.get("transaction_id").toString());
                    }
                    publisher = publishUntilAcknowledged(publisher, lines, stopping);
                    ids.forEach(id -> ledger.good(payments.id(), id));
                    if (++batches % 10 == 0 && !lines.isEmpty()) {
                        // A source that timed out and sent the batch again: the same events, a second time.
                        publisher = publishUntilAcknowledged(publisher, lines, stopping);
                        ledger.redelivered(payments.id(), lines.size());
                    }
                    next += intervalNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                raw.flush();
            } finally {
                publisher.close();
            }
        }
    }

    private EventPublisher connect(java.util.function.BooleanSupplier stopping) {
        while (true) {
            try {
                return EventPublisher.connect(payments, bootstrap, registryUrl, Duration.ofSeconds(10));
            } catch (PublishUnavailableException e) {
                if (stopping.getAsBoolean()) {
                    throw e;
                }
                log.info("chaos event feed waits for the broker problem={}", e.getMessage());
            }
        }
    }

    private EventPublisher publishUntilAcknowledged(EventPublisher publisher, List<String> lines, java.util.function.BooleanSupplier stopping) {
        while (true) {
            try {
                List<PublishResult> results = publisher.publish(new BufferedReader(new StringReader(String.join("\n", lines))));
                for (PublishResult r : results) {
                    if (r instanceof PublishResult.Rejected rejected) {
                        throw new IllegalStateException("the event lane rejected a good chaos event: " + rejected);
                    }
                }
                return publisher;
            } catch (PublishUnavailableException e) {
                if (stopping.getAsBoolean()) {
                    throw e;
                }
                // The broker did not acknowledge the whole batch (an outage): send it all again, on a new producer.
                log.info("chaos event feed re-sends a batch problem={}", e.getMessage());
                publisher.close();
                publisher = connect(stopping);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** One bad record, counted once the broker acknowledged it (idempotent producer: retries never duplicate it). */
    private void sendBad(KafkaProducer<byte[], byte[]> raw, Ledger.BadKind kind, long sequence) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(payments.rawTopic(), null,
                ("chaos-bad-" + sequence).getBytes(StandardCharsets.UTF_8), badValue(kind, sequence));
        record.headers().add(SpineHeaders.SOURCE, SpineHeaders.utf8("event"));
        record.headers().add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8("chaos-" + kind.name() + "-" + sequence));
        try {
            raw.send(record).get(10, TimeUnit.MINUTES);
            ledger.bad(payments.id(), kind);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker did not acknowledge a bad chaos record within 10 minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private byte[] badValue(Ledger.BadKind kind, long sequence) {
        GenericRecord r = samples.valid(sequence, Instant.now().minusSeconds(60));
        if (kind == NULL_VALUE) {
            return null;
        } else if (kind == NOT_AVRO) {
            return ("{\"transaction_id\":\"" + sequence + "\",\"amount\":\"12.50\"}").getBytes(StandardCharsets.UTF_8);
        } else if (kind == UNKNOWN_SCHEMA_ID) {
            return WireFormat.encode(9_999_999, payments.avroSchema(), r);
        } else if (kind == UNREADABLE_SCHEMA) {
            GenericRecord legacy = new GenericData.Record(unreadable);
            legacy.put("transaction_id", r.get("transaction_id"));
            legacy.put("amount", 12.5);
            return WireFormat.encode(unreadableId, unreadable, legacy);
        } else if (kind == AMOUNT_OUT_OF_RANGE) {
            r.put("amount", SamplePayments.money("2500000.00"));
            r.put("fee_amount", null);
        } else if (kind == UNKNOWN_CURRENCY) {
            r.put("currency", "aud");
        } else if (kind == FUTURE_TIMESTAMP) {
            r.put("occurred_at", (System.currentTimeMillis() + 3_600_000L) * 1000);
        }
        return WireFormat.encode(writerId, payments.avroSchema(), r);
    }
}
