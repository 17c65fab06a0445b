package io.meshspine.core.privacy;

import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.SecretKey;

/**
 * One data key (AES-256) of one {@link KeyScope}, unwrapped. Only this package sees the key bytes.
 *
 * <p>A key store hands out one instance per key id, so equality is identity: comparing two keys never compares their
 * secrets (a record's equals did, in constant time, and a list of thousands of pending keys made that quadratic). The
 * id's 16 bytes are parsed once here, not once per value sealed.
 */
public final class DataKey {

    private final String keyId;
    private final byte[] keyIdBytes;
    private final String scopeHash;
    private final String domain;
    private final SecretKey secret;

    /**
     * @param keyId     32 hex characters (16 random bytes), carried by every ciphertext made with it
     * @param scopeHash the scope's {@link SubjectHasher} HMAC
     * @param domain    the contract domain the key belongs to (not personal data)
     */
    public DataKey(String keyId, String scopeHash, String domain, SecretKey secret) {
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.scopeHash = Objects.requireNonNull(scopeHash, "scopeHash");
        this.domain = Objects.requireNonNull(domain, "domain");
        this.secret = Objects.requireNonNull(secret, "secret");
        this.keyIdBytes = HexFormat.of().parseHex(keyId);
        if (keyIdBytes.length != Ciphertext.KEY_ID_BYTES) {
            throw new IllegalArgumentException("a data key id is " + Ciphertext.KEY_ID_BYTES + " bytes in hex, found " + keyIdBytes.length);
        }
    }

    public String keyId() {
        return keyId;
    }

    /** The id as the ciphertext header carries it; not a copy: callers in this package only read it. */
    byte[] keyIdBytes() {
        return keyIdBytes;
    }

    public String scopeHash() {
        return scopeHash;
    }

    public String domain() {
        return domain;
    }

    public SecretKey secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "DataKey[" + keyId + " of " + domain + "]";
    }
}
