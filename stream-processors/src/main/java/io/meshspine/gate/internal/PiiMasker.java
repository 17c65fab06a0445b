package io.meshspine.gate.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Masks a contract's PII fields for the product topic. {@code hash} is HMAC-SHA256 (hex) under a configured key, the
 * same on every instance and after restarts so joins on hashed keys still work; {@code redact} puts a fixed token in
 * a string field, or null in a nullable one, so the record stays valid for its schema.
 */
public final class PiiMasker {

    public static final String REDACTED = "[redacted]";

    private record Step(int position, Masking masking, boolean nullable, boolean text) {
    }

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final List<Step> steps;
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;

    public PiiMasker(Contract contract, byte[] hashKey) {
        Schema schema = contract.avroSchema();
        this.steps = contract.pii().stream().filter(p -> p.masking() != Masking.NONE).map(p -> step(schema, p)).toList();
        this.key = new SecretKeySpec(hashKey, "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
        for (PiiField p : contract.pii()) {
            if (p.masking() == Masking.TOKENIZE) {
                // Validation accepts tokenize (the contract may ask for it); the vault is not built yet, so fail loudly at start.
                throw new IllegalStateException(contract.qualifiedName() + ": masking 'tokenize' of field " + p.field()
                        + " needs the token vault, which this version of the gate does not have; use hash or redact");
            }
        }
    }

    private static Step step(Schema schema, PiiField p) {
        Schema.Field f = schema.getField(p.field());
        Schema s = f.schema();
        boolean nullable = s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
        Schema nonNull = nullable ? s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow() : s;
        return new Step(f.pos(), p.masking(), nullable, nonNull.getType() == Schema.Type.STRING);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** Masks in place; the record is the gate's own decoded copy. */
    public GenericRecord mask(GenericRecord record) {
        for (Step step : steps) {
            Object value = record.get(step.position());
            if (value == null) {
                continue;
            }
            switch (step.masking()) {
                case HASH -> record.put(step.position(), hash(value));
                case REDACT -> record.put(step.position(), step.text() ? REDACTED : null);
                default -> throw new IllegalStateException("unexpected masking " + step.masking());
            }
        }
        return record;
    }

    /** The positions of the top-level fields {@link #mask} may change. */
    public int[] maskedPositions() {
        return steps.stream().mapToInt(Step::position).toArray();
    }

    public String hash(String value) {
        return hex(mac.get().doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** As {@link #hash(String)} of the value's text; a decoded string's UTF-8 bytes are hashed as they are, not copied. */
    private String hash(Object value) {
        if (value instanceof Utf8 utf8) {
            Mac m = mac.get();
            m.update(utf8.getBytes(), 0, utf8.getByteLength());
            return hex(m.doFinal());
        }
        return hash(value.toString());
    }

    /** Lower-case hex, as {@code HexFormat.of().formatHex}: that one appends digit by digit and was 1.6 % of a backfill's CPU. */
    static String hex(byte[] bytes) {
        byte[] out = new byte[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX_DIGITS[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX_DIGITS[bytes[i] & 0xF];
        }
        return new String(out, StandardCharsets.ISO_8859_1);
    }


}
