package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The format of files in a file-lane landing area. */
public enum FileFormat {
    CSV,
    JSONL;

    private final String configValue;

    FileFormat() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<FileFormat> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
