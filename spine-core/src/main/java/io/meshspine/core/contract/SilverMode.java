package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How the lake sink writes a product's Silver table. */
public enum SilverMode {
    /** Every valid record is a new row: events. */
    APPEND,
    /** Rows are merged by the contract's keys: CDC and master data. */
    UPSERT;

    private final String configValue;

    SilverMode() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<SilverMode> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
