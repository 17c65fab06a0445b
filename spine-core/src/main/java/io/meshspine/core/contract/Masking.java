package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a PII field is masked on the product topic. Bronze keeps the raw value (it is not a product);
 * everything downstream of the gate sees the masked one.
 */
public enum Masking {
    /** HMAC-SHA256 with a key from config, hex-encoded: deterministic, so joins on the field still work. Needs a string field. */
    HASH,
    /** Replaced by a fixed marker (strings) or null (nullable fields). */
    REDACT,
    /** Reversible through a keyed vault. Needs a string field. */
    TOKENIZE,
    /** Tagged as PII for lineage and access reviews, but passed through unchanged. */
    NONE;

    private final String configValue;

    Masking() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<Masking> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
