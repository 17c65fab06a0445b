package io.meshspine.core.contract;

import java.util.Optional;

/**
 * How a PII field is masked on the product topic. Bronze keeps the raw value (it is not a product);
 * everything downstream of the gate sees the masked one.
 */
public enum Masking implements ConfigValue {
    /** HMAC-SHA256 with a key from config, hex-encoded: deterministic, so joins on the field still work. Needs a string field. */
    HASH,
    /** Replaced by a fixed marker (strings) or null (nullable fields). */
    REDACT,
    /** Reversible through a keyed vault. Needs a string field. */
    TOKENIZE,
    /** Tagged as PII for lineage and access reviews, but passed through unchanged. */
    NONE;

    public static Optional<Masking> fromConfig(String value) {
        return ConfigValue.parse(Masking.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
