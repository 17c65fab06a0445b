package io.meshspine.core.privacy;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The at-rest format of an encrypted value (JDK AES-256-GCM), version 1:
 * <pre>
 *   byte 0       0x01 (format version)
 *   bytes 1-16   data key id (16 bytes; hex in the key topic)
 *   bytes 17-28  nonce (12 bytes, never repeated under a key: see {@link Nonces})
 *   bytes 29-    AES-256-GCM ciphertext followed by its 16-byte tag; additional authenticated data: bytes 0-16
 * </pre>
 * 45 bytes more than the plaintext. The key id travels with the value so a reader finds the key without knowing the
 * subject, and several keys of one subject (made at once by several writers) all decrypt.
 */
public final class Ciphertext {

    public static final byte VERSION = 1;
    static final int KEY_ID_BYTES = 16;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int HEADER_BYTES = 1 + KEY_ID_BYTES;
    public static final int OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BITS / 8;

    private static final ThreadLocal<Nonces> NONCES = ThreadLocal.withInitial(Nonces::new);
    private static final ThreadLocal<Cipher> AES_GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available in this JVM", e);
        }
    });

    private Ciphertext() {
    }

    static byte[] seal(DataKey key, byte[] plain) {
        byte[] out = new byte[OVERHEAD + plain.length];
        out[0] = VERSION;
        System.arraycopy(key.keyIdBytes(), 0, out, 1, KEY_ID_BYTES);
        NONCES.get().next(out, HEADER_BYTES);
        try {
            Cipher c = AES_GCM.get();
            c.init(Cipher.ENCRYPT_MODE, key.secret(), new GCMParameterSpec(TAG_BITS, out, HEADER_BYTES, NONCE_BYTES));
            c.updateAAD(out, 0, HEADER_BYTES);
            c.doFinal(plain, 0, plain.length, out, HEADER_BYTES + NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return out;
    }

    /**
     * GCM nonces by the deterministic construction of NIST SP 800-38D 8.2.1: an 8-byte random field drawn per thread
     * (and drawn again before its 4-byte counter wraps) followed by the counter. One thread never repeats a nonce, and
     * two threads (or services) repeat one only if their 64-bit random fields collide; a fresh {@link SecureRandom}
     * draw per value (what version 1 did at first) cost more than the encryption itself. Readers take the 12 bytes as
     * they are: the format is unchanged.
     */
    static final class Nonces {
        private final SecureRandom random;
        private final byte[] field = new byte[8];
        private long counter;

        Nonces() {
            this(new SecureRandom(), 0);
        }

        /** A fresh random field, and the counter starting at {@code counter} (tests start it near the wrap). */
        Nonces(SecureRandom random, long counter) {
            this.random = random;
            random.nextBytes(field);
            this.counter = counter;
        }

        /** Writes the next nonce (12 bytes) into {@code out} at {@code offset}. */
        void next(byte[] out, int offset) {
            if (counter >= 1L << 32) {
                random.nextBytes(field);
                counter = 0;
            }
            System.arraycopy(field, 0, out, offset, field.length);
            int c = (int) counter++;
            out[offset + 8] = (byte) (c >>> 24);
            out[offset + 9] = (byte) (c >>> 16);
            out[offset + 10] = (byte) (c >>> 8);
            out[offset + 11] = (byte) c;
        }
    }

    /** The 12 nonce bytes of a ciphertext (for tests: a nonce is no secret, but it is nobody else's business either). */
    static byte[] nonce(byte[] ciphertext) {
        check(ciphertext);
        return java.util.Arrays.copyOfRange(ciphertext, HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    }

    /** The data key id a ciphertext names. */
    public static String keyId(byte[] ciphertext) {
        check(ciphertext);
        return HexFormat.of().formatHex(ciphertext, 1, HEADER_BYTES);
    }

    public static String keyId(ByteBuffer ciphertext) {
        byte[] header = new byte[HEADER_BYTES];
        ciphertext.duplicate().get(header);
        if (header[0] != VERSION) {
            throw new IllegalArgumentException("not a meshspine ciphertext (format version " + header[0] + ")");
        }
        return HexFormat.of().formatHex(header, 1, HEADER_BYTES);
    }

    static byte[] open(SecretKey key, byte[] ciphertext) {
        check(ciphertext);
        try {
            Cipher c = AES_GCM.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, ciphertext, HEADER_BYTES, NONCE_BYTES));
            c.updateAAD(ciphertext, 0, HEADER_BYTES);
            return c.doFinal(ciphertext, HEADER_BYTES + NONCE_BYTES, ciphertext.length - HEADER_BYTES - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("ciphertext under key " + keyId(ciphertext) + " fails its authentication tag (altered or truncated)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private static void check(byte[] ciphertext) {
        if (ciphertext.length < OVERHEAD || ciphertext[0] != VERSION) {
            throw new IllegalArgumentException("not a meshspine ciphertext (" + ciphertext.length + " bytes"
                    + (ciphertext.length > 0 ? ", format version " + ciphertext[0] : "") + ")");
        }
    }
}
