package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a data product's records reach its raw topic. */
public enum Lane {
    /** Change data capture from a source database (Debezium, embedded). */
    CDC,
    /** Files dropped in the landing area (CSV, JSON lines). */
    FILE,
    /** Applications producing Avro records with the registry serdes. */
    EVENT;

    private final String configValue;

    Lane() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<Lane> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
