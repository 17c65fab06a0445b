package io.meshspine.core.privacy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that wraps every data key (AES-256, from {@code privacy.master-key}). Its {@link #id()} is a fingerprint
 * (the first 8 bytes of SHA-256 over the key, in hex) that each wrapped data key names, so a rotation can tell which
 * data keys still need re-wrapping and which master key unwraps them; the key itself is never logged or printed.
 */
public final class MasterKey {

    /**
     * The demo's built-in key: lets `./spine demo` and tests run without a secret. Whoever uses it says so out loud;
     * data wrapped by it is protected by nothing.
     */
    public static final MasterKey DEMO = of(sha256("meshspine-demo-master-key-not-a-secret".getBytes(StandardCharsets.UTF_8)));

    private final SecretKey key;
    private final String id;

    private MasterKey(byte[] bytes) {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("a master key is 32 bytes (AES-256), found " + bytes.length);
        }
        this.key = new SecretKeySpec(bytes, "AES");
        byte[] digest = sha256(bytes);
        this.id = HexFormat.of().formatHex(digest, 0, 8);
    }

    public static MasterKey of(byte[] bytes) {
        return new MasterKey(bytes.clone());
    }

    /** A key given as Base64 of 32 bytes (standard or URL alphabet); the message never repeats the text. */
    public static MasterKey fromBase64(String text) {
        byte[] bytes;
        try {
            bytes = text.contains("-") || text.contains("_") ? Base64.getUrlDecoder().decode(text.trim()) : Base64.getDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a master key is Base64 of 32 random bytes (e.g. `openssl rand -base64 32`); this is not Base64");
        }
        return new MasterKey(bytes);
    }

    public static boolean isValidBase64(String text) {
        try {
            fromBase64(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The fingerprint each wrapped data key names; safe to log. */
    public String id() {
        return id;
    }

    SecretKey secretKey() {
        return key;
    }

    public boolean isDemo() {
        return id.equals(DEMO.id);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[" + id + "]";
    }
}
