package io.meshspine.gate.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import org.apache.avro.util.Utf8;
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

    /** Hashes remembered per field and thread (see {@link HashCache}): sized for the customers a busy gate repeats. */
    static final int CACHED_HASHES = 16_384;

    private final List<Step> steps;
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;
    /** Per thread, one cache per field position (created on first use), so one field's values never evict another's. */
    private final PerThread<HashCache[]> caches;

    public PiiMasker(Contract contract, byte[] hashKey) {
        Schema schema = contract.avroSchema();
        this.steps = contract.pii().stream().filter(p -> p.masking() != Masking.NONE).map(p -> step(schema, p)).toList();
        this.key = new SecretKeySpec(hashKey, "HmacSHA256");
        int fields = schema.getFields().size();
        this.caches = new PerThread<>(() -> new HashCache[fields]);
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
                case HASH -> record.put(step.position(), cachedHash(step.position(), value));
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
        return HexFormat.of().formatHex(mac.get().doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * {@link #hash} of {@code value.toString()} as a {@link Utf8} (so encoding it copies its bytes, no UTF-8 encoding),
     * remembered by the value's bytes: traffic repeats its customers and accounts, and an HMAC-SHA256 with its hex costs
     * far more than a lookup. The caches are this masker's (one hash key), per field of the contract's schema and per
     * thread, so they need no locking; they hold PII values in clear, in memory only, as the records being masked do.
     * The returned value is shared: never modified.
     *
     * @param field the position of the field in the contract's schema the value is of
     */
    public Utf8 cachedHash(int field, Object value) {
        byte[] bytes;
        int length;
        if (value instanceof Utf8 u) {
            bytes = u.getBytes();
            length = u.getByteLength();
        } else {
            bytes = value.toString().getBytes(StandardCharsets.UTF_8);
            length = bytes.length;
        }
        HashCache[] perField = caches.get();
        HashCache c = perField[field];
        if (c == null) {
            c = perField[field] = new HashCache(CACHED_HASHES);
        }
        Utf8 hit = c.get(bytes, length);
        if (hit != null) {
            return hit;
        }
        // Computed as hash() computes it, from the value's text, so a cached and an uncached hash never differ.
        Utf8 hashed = new Utf8(hash(value.toString()));
        c.put(bytes, length, hashed);
        return hashed;
    }


}
