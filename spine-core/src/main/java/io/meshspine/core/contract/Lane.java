package io.meshspine.core.contract;

import java.util.Optional;

/** How a data product's records reach its raw topic. */
public enum Lane implements ConfigValue {
    /** Change data capture from a source database (Debezium, embedded). */
    CDC,
    /** Files dropped in the landing area (CSV, JSON lines). */
    FILE,
    /** Applications producing Avro records with the registry serdes. */
    EVENT;

    public static Optional<Lane> fromConfig(String value) {
        return ConfigValue.parse(Lane.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
