package io.meshspine.core.deadletter;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.Topics;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The dead-letter envelope as Avro: {@link DeadLetter} to and from records of {@code envelopes/dead_letter.avsc}. */
public final class DeadLetterCodec {

    /** The envelope schema, read from the copy spine-core ships of {@code schemas/envelopes/dead_letter.avsc}. */
    public static final Schema SCHEMA = load();

    /** The registry group every writer of the DLQ registers the envelope under (value artifact {@code spine.dlq-value}). */
    public static final String REGISTRY_GROUP = "spine";

    private static final Schema VIOLATION = SCHEMA.getField("violations").schema().getElementType();
    private static final Schema HEADER = SCHEMA.getField("original_headers").schema().getElementType();
    private static final Schema FAILURE_TYPE = SCHEMA.getField("failure_type").schema();
    private static final Schema SEALING = SCHEMA.getField("sealed").schema().getTypes().get(1);

    private DeadLetterCodec() {
    }

    private static Schema load() {
        try (InputStream in = DeadLetterCodec.class.getResourceAsStream("/envelopes/dead_letter.avsc")) {
            if (in == null) {
                throw new IllegalStateException("envelopes/dead_letter.avsc is missing from the classpath (spine-core packages it from schemas/envelopes)");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The envelope's registry content id, registered on first use: what a DLQ record's wire-format header carries. */
    public static long contentId(RegistrySchemas registry) {
        return registry.contentIdFor(REGISTRY_GROUP, ContractRegistrar.valueArtifact(Topics.DLQ), SCHEMA);
    }

    public static GenericRecord toAvro(DeadLetter d) {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("id", d.id());
        r.put("failure_type", new GenericData.EnumSymbol(FAILURE_TYPE, d.failureType().name()));
        r.put("stage", d.stage());
        r.put("message", d.message());
        r.put("rule_ids", new ArrayList<>(d.ruleIds()));
        List<GenericRecord> violations = new ArrayList<>();
        for (RuleViolation v : d.violations()) {
            GenericData.Record vr = new GenericData.Record(VIOLATION);
            vr.put("rule_id", v.ruleId());
            vr.put("severity", v.severity().configValue());
            vr.put("field", v.field());
            vr.put("message", v.message());
            violations.add(vr);
        }
        r.put("violations", violations);
        OriginalRecord o = d.original();
        r.put("source_topic", o.topic());
        r.put("source_partition", o.partition());
        r.put("source_offset", o.offset());
        r.put("source_timestamp", o.timestamp());
        r.put("contract", d.contract());
        r.put("contract_version", d.contractVersion());
        r.put("correlation_id", d.correlationId());
        r.put("replay_count", d.replayCount());
        r.put("dead_lettered_at", d.deadLetteredAt().toEpochMilli());
        r.put("original_key", o.key() == null ? null : ByteBuffer.wrap(o.key()));
        r.put("original_value", o.value() == null ? null : ByteBuffer.wrap(o.value()));
        List<GenericRecord> headers = new ArrayList<>();
        for (OriginalRecord.Header h : o.headers()) {
            GenericData.Record hr = new GenericData.Record(HEADER);
            hr.put("key", h.key());
            hr.put("value", h.value() == null ? null : ByteBuffer.wrap(h.value()));
            headers.add(hr);
        }
        r.put("original_headers", headers);
        r.put("context", new HashMap<>(d.context()));
        if (d.sealing() != null) {
            GenericData.Record s = new GenericData.Record(SEALING);
            s.put("key_id", d.sealing().keyId());
            s.put("subject_hmac", d.sealing().subjectHmac());
            s.put("key_sealed", d.sealing().keySealed());
            r.put("sealed", s);
        }
        return r;
    }

    public static DeadLetter fromAvro(GenericRecord r) {
        List<RuleViolation> violations = new ArrayList<>();
        for (Object o : (List<?>) r.get("violations")) {
            GenericRecord v = (GenericRecord) o;
            violations.add(new RuleViolation(str(v.get("rule_id")), Severity.fromConfig(str(v.get("severity"))).orElse(Severity.ERROR),
                    str(v.get("field")), str(v.get("message"))));
        }
        List<OriginalRecord.Header> headers = new ArrayList<>();
        for (Object o : (List<?>) r.get("original_headers")) {
            GenericRecord h = (GenericRecord) o;
            headers.add(new OriginalRecord.Header(str(h.get("key")), bytes(h.get("value"))));
        }
        OriginalRecord original = new OriginalRecord(str(r.get("source_topic")), (Integer) r.get("source_partition"),
                (Long) r.get("source_offset"), (Long) r.get("source_timestamp"), bytes(r.get("original_key")),
                bytes(r.get("original_value")), headers);
        Map<String, String> context = new HashMap<>();
        ((Map<?, ?>) r.get("context")).forEach((k, v) -> context.put(k.toString(), v.toString()));
        // An envelope written before the field existed reads it as its default (null) when the reader schema resolves it.
        Object sealedField = r.getSchema().getField("sealed") == null ? null : r.get("sealed");
        Sealing sealing = null;
        if (sealedField instanceof GenericRecord s) {
            sealing = new Sealing(str(s.get("key_id")), str(s.get("subject_hmac")), Boolean.TRUE.equals(s.get("key_sealed")));
        }
        return new DeadLetter(str(r.get("id")), FailureType.valueOf(r.get("failure_type").toString()), str(r.get("stage")),
                str(r.get("message")), violations, original, str(r.get("contract")), str(r.get("contract_version")),
                str(r.get("correlation_id")), (Integer) r.get("replay_count"), Instant.ofEpochMilli((Long) r.get("dead_lettered_at")),
                context, sealing);
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static byte[] bytes(Object o) {
        if (o == null) {
            return null;
        }
        ByteBuffer b = ((ByteBuffer) o).duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
