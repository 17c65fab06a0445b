package io.meshspine.gate.internal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * A record's dedup identity as 16 bytes: an HMAC-SHA256, truncated, of what identifies it. Keyed (with a key derived
 * from the gate's hash key) because the identities travel through the store's changelog, a topic like any other:
 * a business key or a PII value must not be recoverable from it by hashing guesses.
 */
public final class IdentityHasher {

    public static final int LENGTH = 16;

    /** What the identity is made of after contract and key; a tag byte keeps the kinds from colliding. */
    public enum Kind {
        /** The lane's source position (CDC LSN or binlog position, file and line). */
        POSITION('p'),
        /** A snapshot read's source position and the row it read ({@link #positionAndRow}). */
        READ('r'),
        /** The contract's {@code dedup.fields}. */
        FIELDS('f'),
        /** The decoded record's canonical Avro encoding under the contract's schema. */
        CONTENT('c');

        final byte tag;

        Kind(char tag) {
            this.tag = (byte) tag;
        }
    }

    private final ThreadLocal<Mac> mac;

    public IdentityHasher(byte[] hashKey) {
        byte[] derived = hmac(hashKey).doFinal("spine.gate.dedup-identity.v1".getBytes(StandardCharsets.UTF_8));
        this.mac = ThreadLocal.withInitial(() -> hmac(derived));
    }

    public byte[] identity(byte[] contract, byte[] keyBody, Kind kind, byte[] what, int offset, int length) {
        Mac m = mac.get();
        m.update(contract);
        m.update((byte) 0);
        // Lengths first, so no key body and identity part can be cut differently into the same bytes.
        m.update((byte) (keyBody.length >>> 24));
        m.update((byte) (keyBody.length >>> 16));
        m.update((byte) (keyBody.length >>> 8));
        m.update((byte) keyBody.length);
        m.update(keyBody);
        m.update(kind.tag);
        m.update(what, offset, length);
        byte[] full = m.doFinal();
        byte[] id = new byte[LENGTH];
        System.arraycopy(full, 0, id, 0, LENGTH);
        return id;
    }

    /** A snapshot read's identity part: the position's length, the position, then the row's Avro body. */
    public static byte[] positionAndRow(byte[] position, byte[] rowBody) {
        byte[] out = new byte[4 + position.length + rowBody.length];
        out[0] = (byte) (position.length >>> 24);
        out[1] = (byte) (position.length >>> 16);
        out[2] = (byte) (position.length >>> 8);
        out[3] = (byte) position.length;
        System.arraycopy(position, 0, out, 4, position.length);
        System.arraycopy(rowBody, 0, out, 4 + position.length, rowBody.length);
        return out;
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }
}
