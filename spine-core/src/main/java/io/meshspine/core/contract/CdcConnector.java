package io.meshspine.core.contract;

import java.util.Optional;

/** The source database family of a CDC binding. */
public enum CdcConnector implements ConfigValue {
    POSTGRES,
    MARIADB;

    public static Optional<CdcConnector> fromConfig(String value) {
        return ConfigValue.parse(CdcConnector.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
