package io.meshspine.gate;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.registry.RegistryAccessDeniedException;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.gate.internal.IdentityHasher;
import io.meshspine.gate.internal.MaskedEncoding;
import io.meshspine.gate.internal.PiiMasker;
import io.meshspine.gate.internal.RecordReader;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The gate's decision for one raw record, in DESIGN.md's order: decode, resolve the writer schema to the contract's,
 * check the business key, evaluate every rule, deduplicate, mask PII, encode. Bad data is a value (a dead letter),
 * never an exception; the only exception that leaves is {@link RegistryUnavailableException}, a transient fault the
 * caller retries.
 */
public final class ContractGate {

    public static final String STAGE = "gate";

    /** Remembers which records already passed, or were dead-lettered: by identity alone, whatever their timestamps. */
    public interface DedupLookup {
        boolean alreadyPassed(byte[] identity);

        /** Whether a record of this identity was dead-lettered within the window; by default nothing is remembered. */
        default boolean alreadyDeadLettered(byte[] identity) {
            return false;
        }
    }

    /** A raw record as read: bytes and where they came from. */
    public record RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value, Headers headers) {
    }

    /**
     * One contract major version as the gate applies it, with what every record of it needs worked out once: the name
     * and version as header bytes, the major version as the {@code spine.contract-version} header names it, the
     * product topic and qualified name (the contract builds both strings on each call), whether the event identity's
     * fields are the business key's (then their encoding is the key's, byte for byte: both schemas take the same
     * fields of the contract's schema in the same order).
     */
    private record Lane(Contract contract, byte[] contractName, RecordReader reader, PiiMasker masker, long valueId, long keyId,
                        Schema keySchema, boolean keyHasPii, boolean changeEvents, Schema dedupFieldsSchema, String major,
                        byte[] versionHeader, MaskedEncoding maskedEncoding, String productTopic, String qualifiedName,
                        boolean dedupFieldsAreKey) {
    }

    private final Map<String, List<Lane>> lanesByRawTopic;
    private final RegistrySchemas schemas;
    private final int maxProductRecordBytes;
    private final ProductTransform transform;
    private final IdentityHasher identities;

    /**
     * Registers (or finds) every product schema to learn the content ids the product records carry.
     *
     * @throws RegistryUnavailableException the registry cannot be reached yet
     */
    public ContractGate(ContractCatalog catalog, RegistrySchemas schemas, byte[] hashKey, int maxProductRecordBytes,
                        ProductTransform transform) {
        this.schemas = schemas;
        this.maxProductRecordBytes = maxProductRecordBytes;
        this.transform = transform;
        this.identities = new IdentityHasher(hashKey);
        Map<String, List<Lane>> lanes = new HashMap<>();
        for (Contract c : catalog.contracts()) {
            long valueId = schemas.contentIdFor(c.domain(), ContractRegistrar.valueArtifact(c.productTopic()), c.avroSchema());
            Schema keySchema = c.keys().isEmpty() ? null : c.keySchema();
            long keyId = keySchema == null ? -1 : schemas.contentIdFor(c.domain(), ContractRegistrar.keyArtifact(c.productTopic()), keySchema);
            // A CDC raw topic carries change envelopes: read them as the envelope around the contract's schema, so Avro
            // resolution judges the table's row schema against the contract's exactly as it would a plain record.
            boolean changeEvents = c.lane() == io.meshspine.core.contract.Lane.CDC;
            Schema rawReader = changeEvents ? ChangeEvent.envelope(c.avroSchema()) : c.avroSchema();
            PiiMasker masker = new PiiMasker(c, hashKey);
            lanes.computeIfAbsent(c.rawTopic(), t -> new ArrayList<>())
                    .add(new Lane(c, c.qualifiedName().getBytes(StandardCharsets.UTF_8), new RecordReader(rawReader),
                            masker, valueId, keyId, keySchema,
                            c.keys().stream().anyMatch(k -> c.piiField(k).map(p -> p.masking() != io.meshspine.core.contract.Masking.NONE).orElse(false)),
                            changeEvents, c.dedup().declared() ? fieldsSchema(c) : null, Integer.toString(c.majorVersion()),
                            SpineHeaders.utf8(c.version()), new MaskedEncoding(c.avroSchema(), masker.maskedPositions()),
                            c.productTopic(), c.qualifiedName(), keySchema != null && c.dedup().declared() && c.dedup().fields().equals(c.keys())));
        }
        lanes.values().forEach(l -> l.sort(Comparator.comparingInt((Lane x) -> x.contract().majorVersion()).reversed()));
        this.lanesByRawTopic = Map.copyOf(lanes);
    }

    public Set<String> rawTopics() {
        return lanesByRawTopic.keySet();
    }

    public List<Contract> contracts() {
        return lanesByRawTopic.values().stream().flatMap(List::stream).map(Lane::contract).toList();
    }

    public GateDecision decide(RawRecord in, Instant now, DedupLookup dedup) {
        return decide(in, now, dedup, STAGE);
    }

    /**
     * The same decision for a record read from somewhere other than the raw topic (a backfill reads Bronze): its dead
     * letters name {@code stage}, so they are not mixed with the gate's own. Nothing else differs: one decision code.
     */
    public GateDecision decide(RawRecord in, Instant now, DedupLookup dedup, String stage) {
        Lane lane = null;
        try {
            String targetMajor = header(in.headers(), SpineHeaders.CONTRACT_VERSION);
            lane = laneFor(in.topic(), targetMajor);
            if (lane == null) {
                return reject(stage, in, null, now, o -> DeadLetter.schemaMismatch(o, "no contract for topic " + in.topic()
                        + (targetMajor == null ? "" : " at major version " + targetMajor)));
            }
            return decide(in, lane, now, dedup, stage);
        } catch (RegistryUnavailableException | RegistryAccessDeniedException infrastructureFault) {
            // Not the record's fault: the caller retries (unavailable) or stops (access denied); never a dead letter.
            throw infrastructureFault;
        } catch (RuntimeException e) {
            return reject(stage, in, lane == null ? null : lane.contract(), now, o -> DeadLetter.processingFailure(o, e));
        }
    }

    private GateDecision decide(RawRecord in, Lane lane, Instant now, DedupLookup dedup, String stage) {
        Contract contract = lane.contract();
        byte[] value = in.value();
        if (value == null || value.length == 0) {
            return reject(stage, in, contract, now, o -> DeadLetter.undecodable(o, value == null ? "null value" : "empty value"));
        }
        OptionalLong writerId = WireFormat.schemaId(value);
        if (writerId.isEmpty()) {
            return reject(stage, in, contract, now, o -> DeadLetter.undecodable(o, "not the registry wire format (first byte "
                    + value[0] + ", " + value.length + " bytes)"));
        }
        Schema writer;
        try {
            writer = schemas.byContentId(writerId.getAsLong());
        } catch (RegistrySchemas.UnknownSchemaException e) {
            return reject(stage, in, contract, now, o -> DeadLetter.undecodable(o, e.getMessage()));
        }
        GenericRecord record;
        try {
            record = lane.reader().read(writerId.getAsLong(), writer, value, WireFormat.HEADER_LENGTH);
        } catch (RecordReader.ReadFailure e) {
            return e.schemaMismatch()
                    ? reject(stage, in, contract, now, o -> DeadLetter.schemaMismatch(o, e.getMessage()))
                    : reject(stage, in, contract, now, o -> DeadLetter.undecodable(o, e.getMessage()));
        }
        GenericRecord decoded = record;
        ChangeEvent.Op op = null;
        if (lane.changeEvents()) {
            String code = String.valueOf(record.get(ChangeEvent.OP));
            op = ChangeEvent.Op.fromCode(code).orElse(null);
            if (op == null) {
                return reject(stage, in, contract, now, o -> DeadLetter.schemaMismatch(o, "change event with unknown op '" + code + "'"));
            }
            String side = op.hasAfter() ? ChangeEvent.AFTER : ChangeEvent.BEFORE;
            GenericRecord row = (GenericRecord) record.get(side);
            if (row == null) {
                String what = "change event op " + op.code() + " without its '" + side + "' row";
                return reject(stage, in, contract, now, o -> DeadLetter.schemaMismatch(o, what));
            }
            record = row;
        }
        GenericRecord key = null;
        if (lane.keySchema() != null) {
            key = new GenericData.Record(lane.keySchema());
            for (String field : contract.keys()) {
                Object part = record.get(field);
                if (part == null) {
                    return reject(stage, in, contract, now, o -> DeadLetter.schemaMismatch(o, "business key field " + field + " is missing"));
                }
                key.put(field, part);
            }
        }
        byte[] keyBody = key == null ? new byte[0] : WireFormat.body(lane.keySchema(), key);
        // Dedup first: a re-delivery is dropped before it costs rules, masking and encoding.
        byte[] identity = identity(lane, keyBody, in.headers(), writerId.getAsLong(), value, decoded, record, op);
        if (dedup.alreadyPassed(identity)) {
            return new GateDecision.Duplicate(lane.qualifiedName(), GateDecision.Duplicate.Reason.PASSED);
        }
        // A re-delivered bad record is the same bad record: one dead letter, not one per delivery. A steward's replay
        // carries its dead letter's headers (so its position or event id, and its identity) and is the repair the DLQ
        // exists for: never a duplicate of its own dead letter; a second replay of it is caught above once one passed.
        if (in.headers().lastHeader(SpineHeaders.REPLAY_OF) == null && dedup.alreadyDeadLettered(identity)) {
            return new GateDecision.Duplicate(lane.qualifiedName(), GateDecision.Duplicate.Reason.DEAD_LETTERED);
        }
        // A delete removes a row; the rules judge rows that enter the mesh, so a deleted row is not judged again.
        boolean delete = op == ChangeEvent.Op.DELETE;
        List<RuleViolation> violations = delete ? List.of() : contract.rules().evaluate(record, now);
        if (RuleViolation.anyError(violations)) {
            return reject(stage, in, contract, now, identity, o -> DeadLetter.ruleViolations(o, violations));
        }
        byte[] productValue = delete ? null : productValue(lane, writerId.getAsLong(), value, record);
        byte[] productKey = key == null ? null : lane.keyHasPii() ? WireFormat.encode(lane.keyId(), lane.keySchema(), maskKey(lane, key))
                : WireFormat.withHeader(lane.keyId(), keyBody);
        List<String> warnings = warnings(violations);
        Headers headers = productHeaders(in.headers(), lane, warnings);
        headers.add(SpineHeaders.RAW_OFFSET, partitionAndOffset(in.partition(), in.offset()));
        if (op != null) {
            headers.add(ChangeEvent.OP_HEADER, SpineHeaders.utf8(op.code()));
        }
        // The broker counts headers against the record's size too, so they are counted here.
        // The run-id header the gate processor adds after this decision (see GateLineage) is counted too.
        int size = (productValue == null ? 0 : productValue.length) + (productKey == null ? 0 : productKey.length) + headerBytes(headers)
                + SpineHeaders.RUN_ID_HEADER_BYTES;
        if (size > maxProductRecordBytes) {
            return reject(stage, in, contract, now, identity, o -> DeadLetter.processingFailure(o, "product record of " + size
                    + " bytes (key, value and headers) exceeds the limit of " + maxProductRecordBytes + " bytes for " + contract.productTopic()));
        }
        return new GateDecision.Pass(lane.productTopic(), lane.qualifiedName(), productKey, productValue,
                headers, warnings, identity);
    }

    /**
     * The masked record under the product schema's id. A record read as written and not transformed differs from its
     * raw bytes only in its masked fields: those are encoded into the raw body, the rest is copied (see MaskedEncoding).
     */
    private byte[] productValue(Lane lane, long writerId, byte[] value, GenericRecord record) {
        GenericRecord product = lane.masker().mask(transform.apply(lane.contract(), record));
        if (transform == ProductTransform.NONE && !lane.changeEvents() && lane.reader().readsAsWritten(writerId)) {
            byte[] spliced = lane.maskedEncoding().encode(lane.valueId(), value, product);
            if (spliced != null) {
                return spliced;
            }
        }
        return WireFormat.encode(lane.valueId(), lane.contract().avroSchema(), product);
    }

    /** Key fields that are PII are masked in the key too, with the same HMAC, so the key still joins. */
    private static GenericRecord maskKey(Lane lane, GenericRecord key) {
        GenericData.Record masked = new GenericData.Record(lane.keySchema());
        for (Schema.Field f : lane.keySchema().getFields()) {
            Object v = key.get(f.name());
            boolean hashed = lane.contract().piiField(f.name()).map(p -> p.masking() == io.meshspine.core.contract.Masking.HASH).orElse(false);
            masked.put(f.name(), hashed && v != null ? lane.masker().hash(v.toString()) : v);
        }
        return masked;
    }

    private Lane laneFor(String topic, String targetMajor) {
        List<Lane> lanes = lanesByRawTopic.get(topic);
        if (lanes == null || lanes.isEmpty()) {
            return null;
        }
        if (targetMajor == null) {
            return lanes.get(0);
        }
        int dot = targetMajor.indexOf('.');
        String major = dot >= 0 ? targetMajor.substring(0, dot) : targetMajor;
        for (Lane l : lanes) {
            if (l.major().equals(major)) {
                return l;
            }
        }
        return null;
    }

    /**
     * Who a record is, for deduplication: its contract and business key, then the first of: the source position the
     * lane stamped (CDC LSN or binlog position, file and line), the contract's {@code dedup.fields}, or, as a last
     * resort, the decoded record's canonical encoding (the bytes as written when the writer schema is the contract's,
     * else the record re-encoded), so the same event re-sent under another writer schema id is still the same event.
     */
    private byte[] identity(Lane lane, byte[] keyBody, Headers headers, long writerId, byte[] value, GenericRecord decoded, GenericRecord row,
                            ChangeEvent.Op op) {
        Header position = headers.lastHeader(SpineHeaders.SOURCE_POSITION);
        if (position != null && position.value() != null) {
            if (op == ChangeEvent.Op.READ) {
                // A snapshot's read carries the snapshot's start position, shared by every row it reads; a snapshot
                // resumed after a crash reads again at that stored position, so only the row itself tells a repeat of
                // an earlier read from a row that changed while the lane was down (CDC section of the README).
                byte[] read = IdentityHasher.positionAndRow(position.value(), WireFormat.body(row.getSchema(), row));
                return identities.identity(lane.contractName(), keyBody, IdentityHasher.Kind.READ, read, 0, read.length);
            }
            return identities.identity(lane.contractName(), keyBody, IdentityHasher.Kind.POSITION, position.value(), 0, position.value().length);
        }
        if (lane.dedupFieldsAreKey()) {
            return identities.identity(lane.contractName(), keyBody, IdentityHasher.Kind.FIELDS, keyBody, 0, keyBody.length);
        }
        if (lane.dedupFieldsSchema() != null) {
            GenericData.Record fields = new GenericData.Record(lane.dedupFieldsSchema());
            for (Schema.Field f : lane.dedupFieldsSchema().getFields()) {
                fields.put(f.pos(), row.get(f.name()));
            }
            byte[] body = WireFormat.body(lane.dedupFieldsSchema(), fields);
            return identities.identity(lane.contractName(), keyBody, IdentityHasher.Kind.FIELDS, body, 0, body.length);
        }
        if (lane.reader().readsAsWritten(writerId)) {
            return identities.identity(lane.contractName(), keyBody, IdentityHasher.Kind.CONTENT, value, WireFormat.HEADER_LENGTH,
                    value.length - WireFormat.HEADER_LENGTH);
        }
        byte[] canonical = WireFormat.body(lane.reader().schema(), decoded);
        return identities.identity(lane.contractName(), keyBody, IdentityHasher.Kind.CONTENT, canonical, 0, canonical.length);
    }

    /** The record of a contract's {@code dedup.fields}, in their declared order: what identifies one event. */
    private static Schema fieldsSchema(Contract c) {
        List<Schema.Field> fields = new ArrayList<>();
        for (String name : c.dedup().fields()) {
            Schema.Field f = c.avroSchema().getField(name);
            fields.add(new Schema.Field(f.name(), f.schema(), null, (Object) null));
        }
        return Schema.createRecord(c.avroSchema().getName() + "EventIdentity", null, "io.meshspine.gate.identity", false, fields);
    }

    /**
     * {@code <partition>:<offset>} as ASCII bytes, written digit by digit: the same bytes as the string's UTF-8, without
     * the string and its encoding once per product record.
     */
    static byte[] partitionAndOffset(int partition, long offset) {
        if (partition < 0 || offset < 0) {
            return SpineHeaders.utf8(partition + ":" + offset);
        }
        int pDigits = digits(partition);
        int oDigits = digits(offset);
        byte[] out = new byte[pDigits + 1 + oDigits];
        writeDigits(out, pDigits, partition);
        out[pDigits] = ':';
        writeDigits(out, out.length, offset);
        return out;
    }

    private static int digits(long n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    /** Writes {@code n}'s decimal digits so that the last one is at {@code end - 1}. */
    private static void writeDigits(byte[] out, int end, long n) {
        int i = end;
        do {
            out[--i] = (byte) ('0' + n % 10);
            n /= 10;
        } while (n > 0);
    }

    private static int headerBytes(Headers headers) {
        int bytes = 0;
        for (Header h : headers) {
            bytes += h.key().length() + (h.value() == null ? 0 : h.value().length) + 2;
        }
        return bytes;
    }

    /** The ids of the warn rules a passing record broke; most records break none. */
    private static List<String> warnings(List<RuleViolation> violations) {
        if (violations.isEmpty()) {
            return List.of();
        }
        List<String> warnings = new ArrayList<>(violations.size());
        for (RuleViolation v : violations) {
            if (v.severity() == Severity.WARN) {
                warnings.add(v.ruleId());
            }
        }
        return warnings;
    }

    private static Headers productHeaders(Headers in, Lane lane, List<String> warnings) {
        // The input's headers are passed on as they are, not copied: header values are only read, by the producer
        // that writes them.
        RecordHeaders out = new RecordHeaders();
        boolean correlated = false;
        for (Header h : in) {
            if (SpineHeaders.PASSED_TO_PRODUCTS.contains(h.key())) {
                out.add(h);
                correlated |= SpineHeaders.CORRELATION_ID.equals(h.key());
            }
        }
        if (!correlated) {
            out.add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(SpineHeaders.newCorrelationId()));
        }
        out.add(SpineHeaders.CONTRACT, lane.contractName());
        out.add(SpineHeaders.CONTRACT_VERSION, lane.versionHeader());
        if (!warnings.isEmpty()) {
            out.add(SpineHeaders.WARNINGS, SpineHeaders.utf8(String.join(",", warnings)));
        }
        return out;
    }

    private GateDecision.Reject reject(String stage, RawRecord in, Contract contract, Instant now,
                                       java.util.function.Function<DeadLetter.Origin, DeadLetter> failure) {
        return reject(stage, in, contract, now, null, failure);
    }

    private GateDecision.Reject reject(String stage, RawRecord in, Contract contract, Instant now, byte[] identity,
                                       java.util.function.Function<DeadLetter.Origin, DeadLetter> failure) {
        return new GateDecision.Reject(failure.apply(origin(stage, in, contract, now)), identity);
    }

    static DeadLetter.Origin origin(RawRecord in, Contract contract, Instant now) {
        return origin(STAGE, in, contract, now);
    }

    static DeadLetter.Origin origin(String stage, RawRecord in, Contract contract, Instant now) {
        List<OriginalRecord.Header> headers = new ArrayList<>();
        for (Header h : in.headers()) {
            headers.add(new OriginalRecord.Header(h.key(), h.value()));
        }
        OriginalRecord original = new OriginalRecord(in.topic(), in.partition(), in.offset(), in.timestamp(), in.key(), in.value(), headers);
        String correlation = header(in.headers(), SpineHeaders.CORRELATION_ID);
        String replayCount = header(in.headers(), SpineHeaders.REPLAY_COUNT);
        return new DeadLetter.Origin(stage, original, contract == null ? null : contract.qualifiedName(),
                contract == null ? null : contract.version(), correlation == null ? SpineHeaders.newCorrelationId() : correlation,
                parseCount(replayCount), now, Map.of());
    }

    private static int parseCount(String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String header(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null ? null : SpineHeaders.string(h.value());
    }


}
