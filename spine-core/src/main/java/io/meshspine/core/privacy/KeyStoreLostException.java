package io.meshspine.core.privacy;

/**
 * Ciphertext names a data key the key topic never heard of, and no erasure destroyed it: the key store was lost or
 * truncated (or the service reads the wrong cluster). This is never treated as an erasure; the service stops, naming the
 * key id (not the data).
 */
public final class KeyStoreLostException extends RuntimeException {

    private final String keyId;

    public KeyStoreLostException(String keyId, String topic) {
        super("data key " + keyId + " is not in " + topic + " and no erasure destroyed it: the key store is lost or incomplete"
                + " (wrong cluster, deleted or truncated topic). Ciphertext under this key cannot be read; restore the key topic"
                + " before going on");
        this.keyId = keyId;
    }

    public String keyId() {
        return keyId;
    }
}
