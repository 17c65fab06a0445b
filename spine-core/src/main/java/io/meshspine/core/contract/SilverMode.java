package io.meshspine.core.contract;

import java.util.Optional;

/** How the lake sink writes a product's Silver table. */
public enum SilverMode implements ConfigValue {
    /** Every valid record is a new row: events. */
    APPEND,
    /** Rows are merged by the contract's keys: CDC and master data. */
    UPSERT;

    public static Optional<SilverMode> fromConfig(String value) {
        return ConfigValue.parse(SilverMode.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
