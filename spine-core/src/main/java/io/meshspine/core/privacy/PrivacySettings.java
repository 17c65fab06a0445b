package io.meshspine.core.privacy;

import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The privacy keys shared by every service that encrypts or decrypts at rest (sink, gate, workbench, `./spine privacy`). */
public final class PrivacySettings {

    public static final Setting<String> MASTER_KEY = Setting.string("privacy.master-key", null,
                    "Master key that wraps every data key: Base64 of 32 random bytes (`openssl rand -base64 32`). The same on every"
                            + " service; unset: the built-in demo key, which the service says out loud (protects nothing).")
            .secret().validatedBy(MasterKey::isValidBase64, "Base64 of 32 bytes");
    public static final Setting<List<String>> PREVIOUS_MASTER_KEYS = Setting.list("privacy.previous-master-keys", List.of(),
                    "Master keys being rotated out (Base64, comma-separated): they still unwrap data keys until"
                            + " `./spine privacy rotate` has re-wrapped every data key with `privacy.master-key`.")
            .secret().validatedBy(keys -> keys.stream().allMatch(MasterKey::isValidBase64), "Base64 of 32 bytes each");
    public static final Setting<String> SUBJECT_HASH_KEY = Setting.string("privacy.subject-hash-key", null,
                    "HMAC key (16+ characters) that names a data subject's keys in `spine.privacy.keys` and in attestations; never"
                            + " rotated (the names would change). Unset: the built-in demo key, said out loud.")
            .secret().validatedBy(k -> k.length() >= 16, "at least 16 characters");
    public static final Setting<Boolean> ENCRYPT_BRONZE = Setting.bool("privacy.encrypt-bronze", true,
            "Bronze stores each record's PII columns and raw `_value` (and `_key` when a key field is PII) encrypted under the"
                    + " data subject's key. `false` only for benchmarks and lakes that hold no personal data.");

    public static final Setting<Boolean> ENCRYPT_DEAD_LETTERS = Setting.bool("privacy.encrypt-dead-letters", true,
            "Dead letters of contracts with PII keep their original value (and key when a key field is PII) encrypted under the"
                    + " data subject's key; the workbench decrypts for repair, replay and callers who may see the domain's PII."
                    + " `false` only for tests and lakes that hold no personal data.");

    public static final List<Setting<?>> ALL = List.of(MASTER_KEY, PREVIOUS_MASTER_KEYS, SUBJECT_HASH_KEY, ENCRYPT_BRONZE, ENCRYPT_DEAD_LETTERS);

    /** The demo's subject hash key (not a secret). */
    static final String DEMO_SUBJECT_HASH_KEY = "meshspine-demo-subject-key-not-a-secret";

    private PrivacySettings() {
    }

    public static PrivacyConfig parse(SpineConfig config) {
        MasterKey master = config.find(MASTER_KEY).map(MasterKey::fromBase64).orElse(MasterKey.DEMO);
        List<MasterKey> previous = config.get(PREVIOUS_MASTER_KEYS).stream().map(MasterKey::fromBase64).toList();
        byte[] subjectKey = config.find(SUBJECT_HASH_KEY).orElse(DEMO_SUBJECT_HASH_KEY).getBytes(StandardCharsets.UTF_8);
        return new PrivacyConfig(new MasterKeys(master, previous), subjectKey, config.get(ENCRYPT_BRONZE),
                config.find(SUBJECT_HASH_KEY).isEmpty(), config.get(ENCRYPT_DEAD_LETTERS));
    }
}
