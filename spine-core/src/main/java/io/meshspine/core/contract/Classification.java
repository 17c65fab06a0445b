package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How sensitive a data product is, lowest to highest. */
public enum Classification {
    PUBLIC,
    INTERNAL,
    CONFIDENTIAL,
    RESTRICTED;

    private final String configValue;

    Classification() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<Classification> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
