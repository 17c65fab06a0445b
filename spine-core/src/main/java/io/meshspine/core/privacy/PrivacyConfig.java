package io.meshspine.core.privacy;

import java.util.Map;
import java.util.Objects;

/**
 * The privacy settings of one service, typed.
 *
 * @param masters            the master key and the ones being rotated out
 * @param subjectHashKey     the HMAC key of {@link SubjectHasher}
 * @param encryptBronze      whether Bronze holds PII encrypted (true unless a benchmark or a lake without PII says so)
 * @param demoSubjectHashKey whether the subject hash key is the built-in demo one
 * @param encryptDeadLetters whether dead-letter originals of contracts with PII are encrypted (see {@link DeadLetterSealer})
 */
public record PrivacyConfig(MasterKeys masters, byte[] subjectHashKey, boolean encryptBronze, boolean demoSubjectHashKey,
                            boolean encryptDeadLetters) {

    /** The demo's keys (said out loud by whoever uses them), Bronze and dead letters encrypted. */
    public static final PrivacyConfig DEMO = new PrivacyConfig(MasterKeys.of(MasterKey.DEMO),
            PrivacySettings.DEMO_SUBJECT_HASH_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8), true, true, true);

    public PrivacyConfig {
        Objects.requireNonNull(masters, "masters");
        subjectHashKey = subjectHashKey.clone();
    }

    public PrivacyConfig withEncryptBronze(boolean encrypt) {
        return new PrivacyConfig(masters, subjectHashKey, encrypt, demoSubjectHashKey, encryptDeadLetters);
    }

    public PrivacyConfig withMasters(MasterKeys keys) {
        return new PrivacyConfig(keys, subjectHashKey, encryptBronze, demoSubjectHashKey, encryptDeadLetters);
    }

    public PrivacyConfig withEncryptDeadLetters(boolean encrypt) {
        return new PrivacyConfig(masters, subjectHashKey, encryptBronze, demoSubjectHashKey, encrypt);
    }

    public SubjectHasher hasher() {
        return new SubjectHasher(subjectHashKey);
    }

    /** Opens the key store over {@code topic} with these keys. */
    public DataKeyStore openKeyStore(String topic, Map<String, Object> kafkaClient) {
        return DataKeyStore.open(topic, kafkaClient, masters, hasher());
    }

    @Override
    public String toString() {
        return "PrivacyConfig[master_key=" + masters.current().id() + ", encryptBronze=" + encryptBronze + ", encryptDeadLetters=" + encryptDeadLetters + "]";
    }
}
