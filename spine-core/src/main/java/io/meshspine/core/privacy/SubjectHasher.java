package io.meshspine.core.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of a {@link KeyScope} under {@code privacy.subject-hash-key}: the name of a scope in the key topic and in
 * attestations, so that neither holds a subject value in clear. It is not the gate's hash key (that one joins products;
 * this one names keys) and it does not change when the master key rotates, so a subject's keys are found the same way
 * before and after.
 */
public final class SubjectHasher {

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;

    public SubjectHasher(byte[] hashKey) {
        if (hashKey.length < 16) {
            throw new IllegalArgumentException("the subject hash key needs at least 16 bytes");
        }
        this.key = new SecretKeySpec(hashKey.clone(), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
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

    /** Hex HMAC of the scope; a subject scope and a domain scope never collide (different prefixes). */
    public String hash(KeyScope scope) {
        String text = scope.subject().map(s -> "subject\0" + scope.domain() + "\0" + s).orElse("domain\0" + scope.domain());
        return HexFormat.of().formatHex(mac.get().doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
