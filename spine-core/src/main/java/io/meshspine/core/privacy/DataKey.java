package io.meshspine.core.privacy;

import java.util.Objects;
import javax.crypto.SecretKey;

/**
 * One data key (AES-256) of one {@link KeyScope}, unwrapped. Only this package sees the key bytes.
 *
 * @param keyId     32 hex characters (16 random bytes), carried by every ciphertext made with it
 * @param scopeHash the scope's {@link SubjectHasher} HMAC
 * @param domain    the contract domain the key belongs to (not personal data)
 */
public record DataKey(String keyId, String scopeHash, String domain, SecretKey secret) {

    public DataKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(scopeHash, "scopeHash");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
        return "DataKey[" + keyId + " of " + domain + "]";
    }
}
