package io.meshspine.core.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.Topics;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka records of any spine topic as JSON people and tools can read, PII masked as it would be on a product topic.
 *
 * <p>One object per record: {@code topic, partition, offset, timestamp} (ISO-8601), {@code key}, {@code headers}
 * (UTF-8 strings; a repeated header becomes an array), {@code value}. Keys and values in the registry wire format are
 * decoded with their writer schema ({@link AvroJson}); a dead-letter envelope is shown with its original key and value
 * decoded in turn. What does not decode is shown as {@code <key|value>_base64} with the reason in
 * {@code key_undecodable} / {@code undecodable}, never as a failure.
 *
 * <p>PII: product topics are masked already and print as they are. Raw records (a raw topic, or the original of a
 * dead letter) have their contract's PII fields shown as {@value PiiMask#MASKED}, and their undecodable bytes withheld
 * ({@code <key|value>_withheld}) since base64 would show the PII all the same; {@code showPii} turns both off. A
 * payload whose PII fields no contract names is withheld whole.
 *
 * <p>Only {@link RegistryUnavailableException} escapes: a transient fault, not the record's.
 */
public final class RecordRenderer {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ENVELOPE = DeadLetterCodec.SCHEMA.getFullName();

    private final WireDecoder decoder;
    private final ContractCatalog contracts;
    private final boolean showPii;
    private final Map<String, PiiMask> masksByTopic = new ConcurrentHashMap<>();

    public RecordRenderer(RegistrySchemas schemas, ContractCatalog contracts, boolean showPii) {
        this.decoder = new WireDecoder(schemas);
        this.contracts = contracts;
        this.showPii = showPii;
    }

    /** The record as one line of JSON. */
    public String line(ConsumerRecord<byte[], byte[]> record) {
        try {
            return JSON.writeValueAsString(render(record));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ObjectNode render(ConsumerRecord<byte[], byte[]> record) {
        PiiMask mask = maskFor(record.topic());
        ObjectNode value = NODES.objectNode();
        DeadLetter deadLetter = payload(value, "value", "undecodable", record.value(), mask);
        ObjectNode node = NODES.objectNode();
        node.put("topic", record.topic());
        node.put("partition", record.partition());
        node.put("offset", record.offset());
        node.put("timestamp", record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp()).toString());
        // A dead letter's key is its original key: masked as the original is.
        payload(node, "key", "key_undecodable", record.key(), deadLetter == null ? mask : originalMask(deadLetter));
        List<OriginalRecord.Header> headers = new ArrayList<>();
        for (Header h : record.headers()) {
            headers.add(new OriginalRecord.Header(h.key(), h.value()));
        }
        node.set("headers", headers(headers));
        node.setAll(value);
        return node;
    }

    /** A dead letter with its original key and value decoded where they decode, masked as a raw record of its contract. */
    public ObjectNode render(DeadLetter d) {
        ObjectNode node = NODES.objectNode();
        node.put("id", d.id());
        node.put("failure_type", d.failureType().name());
        node.put("stage", d.stage());
        node.put("message", d.message());
        ArrayNode ruleIds = node.putArray("rule_ids");
        d.ruleIds().forEach(ruleIds::add);
        ArrayNode violations = node.putArray("violations");
        for (RuleViolation v : d.violations()) {
            violations.addObject().put("rule_id", v.ruleId()).put("severity", v.severity().configValue())
                    .put("field", v.field()).put("message", v.message());
        }
        node.put("contract", d.contract());
        node.put("contract_version", d.contractVersion());
        node.put("correlation_id", d.correlationId());
        node.put("replay_count", d.replayCount());
        node.put("dead_lettered_at", d.deadLetteredAt().toString());
        OriginalRecord o = d.original();
        ObjectNode source = node.putObject("source");
        source.put("topic", o.topic());
        source.put("partition", o.partition());
        source.put("offset", o.offset());
        source.put("timestamp", o.timestamp() == null ? null : Instant.ofEpochMilli(o.timestamp()).toString());
        ObjectNode original = node.putObject("original");
        PiiMask mask = originalMask(d);
        payload(original, "key", "key_undecodable", o.key(), mask);
        original.set("headers", headers(o.headers()));
        payload(original, "value", "undecodable", o.value(), mask);
        ObjectNode context = node.putObject("context");
        d.context().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> context.put(e.getKey(), e.getValue()));
        return node;
    }

    /** Whether this renderer knows what of the topic's records may be shown; when not, {@code --show-pii} is needed. */
    public boolean knowsPiiOf(String topic) {
        return !(maskFor(topic) instanceof PiiMask.Withhold);
    }

    /**
     * Product topics: as they are (the gate masked them). Raw topics: their contracts' PII fields masked. The DLQs:
     * envelopes mask their originals themselves, and bytes that are no envelope are withheld (they may be anything).
     * Other internal topics: as they are. Any other topic: withheld.
     */
    public PiiMask maskFor(String topic) {
        return masksByTopic.computeIfAbsent(topic, t -> {
            if (showPii || contracts.byProductTopic(t).isPresent()) {
                return PiiMask.showAll();
            }
            if (t.equals(Topics.DLQ) || t.equals(Topics.DLQ_PARKED)) {
                return PiiMask.rawBytesWithheld();
            }
            if (Topics.isInternal(t)) {
                return PiiMask.showAll();
            }
            List<Contract> raw = contracts.byRawTopic(t);
            if (!raw.isEmpty()) {
                return PiiMask.of(raw);
            }
            return new PiiMask.Withhold("no contract names topic " + t + ", so which of its fields are PII is unknown");
        });
    }

    private PiiMask originalMask(DeadLetter d) {
        String topic = d.original().topic();
        if (topic != null && (showPii || contracts.byProductTopic(topic).isPresent())) {
            return PiiMask.showAll();
        }
        List<Contract> owners = new ArrayList<>(topic == null ? List.of() : contracts.byRawTopic(topic));
        contractNamed(d.contract()).filter(c -> !owners.contains(c)).ifPresent(owners::add);
        if (owners.isEmpty()) {
            return topic != null && Topics.isInternal(topic) ? PiiMask.showAll() : new PiiMask.Withhold("no contract known for "
                    + (d.contract() != null ? d.contract() : "topic " + topic) + ", so which of its fields are PII is unknown");
        }
        return PiiMask.of(owners);
    }

    private Optional<Contract> contractNamed(String qualifiedName) {
        return qualifiedName == null ? Optional.empty()
                : contracts.contracts().stream().filter(c -> c.qualifiedName().equals(qualifiedName)).findFirst();
    }

    /**
     * Sets {@code <name>} (decoded) or {@code <name>_base64} / {@code <name>_withheld} with the reason under
     * {@code reasonField}. Returns the dead letter when the payload is a value holding one, else null.
     */
    private DeadLetter payload(ObjectNode node, String name, String reasonField, byte[] bytes, PiiMask mask) {
        if (bytes == null) {
            node.putNull(name);
            return null;
        }
        WireDecoder.Decoded decoded = decoder.decode(bytes);
        if (decoded instanceof WireDecoder.Avro avro) {
            if (mask instanceof PiiMask.Withhold w) {
                node.put(name + "_withheld", w.why() + " (" + bytes.length + " bytes; --show-pii prints them)");
            } else if ("value".equals(name) && ENVELOPE.equals(avro.writer().getFullName())) {
                return deadLetter(node, bytes, avro);
            } else {
                node.set(name, mask.apply(AvroJson.toJson(avro.datum(), avro.writer())));
            }
            return null;
        }
        undecodable(node, name, reasonField, bytes, ((WireDecoder.Undecodable) decoded).reason(), mask);
        return null;
    }

    private DeadLetter deadLetter(ObjectNode node, byte[] bytes, WireDecoder.Avro avro) {
        // Read into the envelope schema this build knows (an older or newer writer resolves), then through the codec.
        WireDecoder.Decoded resolved = decoder.decode(bytes, DeadLetterCodec.SCHEMA);
        String why;
        if (resolved instanceof WireDecoder.Avro envelope) {
            try {
                DeadLetter d = DeadLetterCodec.fromAvro((GenericRecord) envelope.datum());
                node.set("value", render(d));
                return d;
            } catch (RuntimeException e) {
                why = e.toString();
            }
        } else {
            why = ((WireDecoder.Undecodable) resolved).reason();
        }
        // The envelope holds the original bytes, PII and all: its own bytes are withheld like a raw record's.
        undecodable(node, "value", "undecodable", bytes, "a dead-letter envelope (schema id " + avro.schemaId()
                + ") this build cannot read: " + why, showPii ? PiiMask.showAll() : PiiMask.rawBytesWithheld());
        return null;
    }

    private static void undecodable(ObjectNode node, String name, String reasonField, byte[] bytes, String reason, PiiMask mask) {
        if (mask.mayPrintRawBytes()) {
            node.put(name + "_base64", Base64.getEncoder().encodeToString(bytes));
        } else {
            String why = mask instanceof PiiMask.Withhold w ? w.why() : "raw bytes of a record with PII fields";
            node.put(name + "_withheld", why + " (" + bytes.length + " bytes; --show-pii prints them)");
        }
        node.put(reasonField, reason);
    }

    private static ObjectNode headers(List<OriginalRecord.Header> headers) {
        ObjectNode node = NODES.objectNode();
        for (OriginalRecord.Header h : headers) {
            JsonNode value = h.value() == null ? NODES.nullNode() : text(h.value());
            JsonNode earlier = node.get(h.key());
            if (earlier == null) {
                node.set(h.key(), value);
            } else if (earlier instanceof ArrayNode repeated) {
                repeated.add(value);
            } else {
                node.putArray(h.key()).add(earlier).add(value);
            }
        }
        return node;
    }

    /** A header value as its UTF-8 string, or {@code {"base64": ...}} when it is not UTF-8. Headers carry no payload. */
    private static JsonNode text(byte[] value) {
        try {
            return NODES.textNode(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString());
        } catch (CharacterCodingException e) {
            return NODES.objectNode().put("base64", Base64.getEncoder().encodeToString(value));
        }
    }
}
