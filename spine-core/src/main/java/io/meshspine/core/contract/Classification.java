package io.meshspine.core.contract;

import java.util.Optional;

/** How sensitive a data product is, lowest to highest. */
public enum Classification implements ConfigValue {
    PUBLIC,
    INTERNAL,
    CONFIDENTIAL,
    RESTRICTED;

    public static Optional<Classification> fromConfig(String value) {
        return ConfigValue.parse(Classification.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
