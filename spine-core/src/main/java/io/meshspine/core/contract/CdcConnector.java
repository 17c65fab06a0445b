package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The source database family of a CDC binding. */
public enum CdcConnector {
    POSTGRES,
    MARIADB;

    private final String configValue;

    CdcConnector() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<CdcConnector> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
