package io.meshspine.ingest.event;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.ingest.typing.RecordTyper;
import io.meshspine.ingest.typing.TextFormats;
import io.meshspine.ingest.typing.Typing;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The event lane for source teams testing their feeds: JSON records, one per line, checked against a contract's Avro
 * schema (logical types as {@link io.meshspine.core.avro.AvroJson} writes them: decimals and timestamps as strings),
 * and the ones that fit published as Avro in the registry wire format to the contract's raw topic, keyed by the
 * business key, with {@code spine.source=event}. Lines that do not fit are reported, naming the line and the field.
 */
public final class EventPublisher implements AutoCloseable {

    private static final byte[] SOURCE_EVENT = SpineHeaders.utf8("event");

    private final Contract contract;
    private final RecordTyper typer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Duration timeout;
    private final long valueId;
    private final long keyId;
    private final Schema keySchema;

    private EventPublisher(Contract contract, KafkaProducer<byte[], byte[]> producer, Duration timeout, long valueId, long keyId) {
        this.contract = contract;
        this.typer = new RecordTyper(contract.avroSchema(), TextFormats.ISO);
        this.producer = producer;
        this.timeout = timeout;
        this.valueId = valueId;
        this.keyId = keyId;
        this.keySchema = contract.keys().isEmpty() ? null : contract.keySchema();
    }

    /**
     * Resolves the contract's registry ids and checks the broker knows the raw topic, within {@code timeout}.
     *
     * @throws PublishUnavailableException the registry or the broker did not answer, or the raw topic does not exist
     */
    public static EventPublisher connect(Contract contract, String bootstrapServers, String registryUrl, Duration timeout) {
        long valueId;
        long keyId;
        try {
            RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(registryUrl));
            valueId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
            keyId = contract.keys().isEmpty() ? -1
                    : registry.contentIdFor(contract.domain(), ContractRegistrar.keyArtifact(contract.rawTopic()), contract.keySchema());
        } catch (RegistryUnavailableException e) {
            throw new PublishUnavailableException("the registry at " + registryUrl + " cannot be reached: " + e.getMessage(), e);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        int requestTimeout = (int) Math.min(timeout.toMillis(), 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeout);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Kafka requires delivery.timeout >= linger + request timeout.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max((int) timeout.toMillis(), requestTimeout + 5));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            if (producer.partitionsFor(contract.rawTopic()).isEmpty()) {
                throw new PublishUnavailableException("the broker has no topic " + contract.rawTopic(), null);
            }
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw new PublishUnavailableException("the broker at " + bootstrapServers + " did not answer about " + contract.rawTopic()
                    + " within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
        }
        return new EventPublisher(contract, producer, timeout, valueId, keyId);
    }

    /** Checks lines against the contract without a broker or registry: what {@link #publish} would reject. */
    public static List<PublishResult> check(Contract contract, BufferedReader lines) throws IOException {
        RecordTyper typer = new RecordTyper(contract.avroSchema(), TextFormats.ISO);
        List<PublishResult> results = new ArrayList<>();
        long n = 0;
        for (String text; (text = lines.readLine()) != null; ) {
            n++;
            if (text.isBlank()) {
                continue;
            }
            Typing t = typer.fromJsonText(text);
            results.add(t instanceof Typing.Untyped u ? new PublishResult.Rejected(n, u.message()) : new PublishResult.Published(n, -1, -1));
        }
        return results;
    }

    /**
     * Publishes every line that fits, in order, and waits for the broker to acknowledge them. Blank lines are skipped.
     *
     * @throws PublishUnavailableException the broker did not acknowledge within the timeout
     */
    public List<PublishResult> publish(BufferedReader lines) throws IOException {
        List<PublishResult> results = new ArrayList<>();
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        List<Long> lineNumbers = new ArrayList<>();
        long n = 0;
        try {
            for (String text; (text = lines.readLine()) != null; ) {
                n++;
                if (text.isBlank()) {
                    continue;
                }
                Typing t = typer.fromJsonText(text);
                lineNumbers.add(n);
                if (t instanceof Typing.Untyped u) {
                    results.add(new PublishResult.Rejected(n, u.message()));
                    pending.add(null);
                } else {
                    results.add(null);
                    pending.add(producer.send(record(((Typing.Typed) t).record())));
                }
            }
            producer.flush();
            for (int i = 0; i < results.size(); i++) {
                Future<RecordMetadata> f = pending.get(i);
                if (f != null) {
                    RecordMetadata m = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    results.set(i, new PublishResult.Published(lineNumbers.get(i), m.partition(), m.offset()));
                }
            }
        } catch (KafkaException | ExecutionException | TimeoutException e) {
            throw new PublishUnavailableException("the broker did not acknowledge the records: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishUnavailableException("interrupted while waiting for the broker", e);
        }
        return results;
    }

    private ProducerRecord<byte[], byte[]> record(GenericRecord value) {
        byte[] key = null;
        if (keySchema != null) {
            GenericData.Record k = new GenericData.Record(keySchema);
            for (Schema.Field f : keySchema.getFields()) {
                k.put(f.pos(), value.get(f.name()));
            }
            key = WireFormat.encode(keyId, keySchema, k);
        }
        RecordHeaders h = new RecordHeaders();
        h.add(SpineHeaders.SOURCE, SOURCE_EVENT);
        h.add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(UUID.randomUUID().toString()));
        h.add(SpineHeaders.CONTRACT_VERSION, SpineHeaders.utf8(contract.version()));
        return new ProducerRecord<>(contract.rawTopic(), null, key, WireFormat.encode(valueId, contract.avroSchema(), value), h);
    }

    public Contract contract() {
        return contract;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
