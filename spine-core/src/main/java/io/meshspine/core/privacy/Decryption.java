package io.meshspine.core.privacy;

/**
 * What decrypting one value gave: the original bytes, or the news that its subject was erased (its key destroyed by an
 * erasure, which the key topic records). A key that is simply missing is neither: {@link KeyStoreLostException}.
 */
public sealed interface Decryption {

    String keyId();

    /** The original bytes. */
    record Plain(String keyId, byte[] bytes) implements Decryption {
    }

    /** The key was destroyed by an erasure: the value is gone for good, by design. */
    record Erased(String keyId, String erasureId) implements Decryption {
    }
}
