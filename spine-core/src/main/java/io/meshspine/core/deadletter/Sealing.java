package io.meshspine.core.deadletter;

import java.util.Objects;

/**
 * How a dead letter's original is encrypted at rest (issue 16): its value (and its key when {@code keySealed}) is
 * ciphertext under data key {@code keyId}; {@code subjectHmac} names the key's scope, so an erasure finds the subject's
 * dead letters without any subject value in the DLQ. Absent on a dead letter whose original is in clear.
 *
 * @param subjectHmac the scope's HMAC ({@code io.meshspine.core.privacy.SubjectHasher}); null when not known
 */
public record Sealing(String keyId, String subjectHmac, boolean keySealed) {

    public Sealing {
        Objects.requireNonNull(keyId, "keyId");
    }
}
