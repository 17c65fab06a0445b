package io.meshspine.sink.internal;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.topic.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Records the sink cannot write go to {@code spine.dlq} as SINK dead letters with their original bytes, and are acked
 * by the broker before the batch that skips them commits: a crash in between sends them again (same dead-letter id,
 * {@code <topic>/<partition>/<offset>}), never loses them.
 */
public final class DeadLetters implements AutoCloseable {

    static final String STAGE = "lake-sink";

    private final KafkaProducer<byte[], byte[]> producer;
    private final RegistrySchemas schemas;
    // Committer threads of several tables dead-letter; they agree on the id, so a race only asks the registry twice.
    private volatile long schemaId = -1;
    /** Encrypts originals of contracts with PII (issue 16); null: sent as they are. */
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;
    private final boolean ownsSealer;

    /** @param client the cluster and the operator's {@code kafka.*} settings (TLS, SASL) */
    DeadLetters(Map<String, Object> client, RegistrySchemas schemas) {
        this(client, schemas, null);
    }

    DeadLetters(Map<String, Object> client, RegistrySchemas schemas, io.meshspine.core.privacy.DeadLetterSealer sealer) {
        this(client, schemas, sealer, false);
    }

    /** @param ownsSealer whether {@link #close()} closes the sealer (and the key store it opened) */
    DeadLetters(Map<String, Object> client, RegistrySchemas schemas, io.meshspine.core.privacy.DeadLetterSealer sealer, boolean ownsSealer) {
        this.schemas = schemas;
        this.sealer = sealer;
        this.ownsSealer = ownsSealer;
        Map<String, Object> props = new java.util.HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "spine-lake-sink-dlq-" + UUID.randomUUID().toString().substring(0, 8));
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static DeadLetter sinkFailure(ConsumerRecord<byte[], byte[]> r, Contract contract, String table, String message) {
        List<OriginalRecord.Header> headers = new ArrayList<>();
        String correlation = null;
        int replayCount = 0;
        for (Header h : r.headers()) {
            headers.add(new OriginalRecord.Header(h.key(), h.value()));
            if (SpineHeaders.CORRELATION_ID.equals(h.key())) {
                correlation = SpineHeaders.string(h.value());
            } else if (SpineHeaders.REPLAY_COUNT.equals(h.key())) {
                try {
                    replayCount = Integer.parseInt(SpineHeaders.string(h.value()));
                } catch (NumberFormatException ignored) {
                    // a malformed count is the record's business; the dead letter still carries the header itself
                }
            }
        }
        OriginalRecord original = new OriginalRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), headers);
        DeadLetter.Origin origin = new DeadLetter.Origin(STAGE, original, contract.qualifiedName(), contract.version(),
                correlation == null ? original.id() : correlation, replayCount, Instant.now(), Map.of("table", table));
        return DeadLetter.sinkFailure(origin, message);
    }

    /** Sends and waits for the broker's acks: a transient failure here fails the batch, which is retried. */
    void sendAll(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        if (schemaId < 0) {
            schemaId = DeadLetterCodec.contentId(schemas);
        }
        List<DeadLetter> sealed = new ArrayList<>(letters.size());
        for (DeadLetter letter : letters) {
            sealed.add(sealer == null ? letter : sealer.sealBeforeKeysDurable(letter));
        }
        if (sealer != null) {
            // Every key the letters were sealed under is in the key topic before any letter is sent: one wait for the
            // batch, not a round trip to the key topic per letter of a new data subject (most letters, in a backfill).
            sealer.awaitKeysDurable();
        }
        List<Future<?>> acks = new ArrayList<>();
        for (DeadLetter d : sealed) {
            byte[] value = WireFormat.encode(schemaId, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d));
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.DLQ, null, d.original().key(), value);
            record.headers().add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(d.correlationId()));
            acks.add(producer.send(record));
        }
        try {
            for (Future<?> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientSinkException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new TransientSinkException("dead letters not acknowledged by the broker", e);
        }
    }

    /** A sealer over the sink's own cipher (its key store is the sink's to close, not the sealer's). */
    static io.meshspine.core.privacy.DeadLetterSealer sealer(io.meshspine.core.privacy.SubjectCipher cipher,
                                                             java.util.Collection<io.meshspine.core.contract.Contract> contracts,
                                                             RegistrySchemas schemas) {
        return new io.meshspine.core.privacy.DeadLetterSealer(io.meshspine.core.contract.ContractCatalog.of(List.copyOf(contracts)),
                new io.meshspine.core.render.WireDecoder(schemas), () -> cipher);
    }

    static io.meshspine.core.privacy.DeadLetterSealer sealer(io.meshspine.core.privacy.SubjectCipher cipher,
                                                             io.meshspine.core.contract.Contract contract, RegistrySchemas schemas) {
        return sealer(cipher, List.of(contract), schemas);
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } finally {
            if (ownsSealer && sealer != null) {
                sealer.close();
            }
        }
    }
}
