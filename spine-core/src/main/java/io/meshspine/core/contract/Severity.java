package io.meshspine.core.contract;

import java.util.Optional;

/** What a violated rule does to its record. */
public enum Severity implements ConfigValue {
    /** The record is dead-lettered. */
    ERROR,
    /** The record passes, counted and tagged with the rule. */
    WARN;

    public static Optional<Severity> fromConfig(String value) {
        return ConfigValue.parse(Severity.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
