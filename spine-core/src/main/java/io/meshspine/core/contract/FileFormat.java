package io.meshspine.core.contract;

import java.util.Optional;

/** The format of files in a file-lane landing area. */
public enum FileFormat implements ConfigValue {
    CSV,
    JSONL;

    public static Optional<FileFormat> fromConfig(String value) {
        return ConfigValue.parse(FileFormat.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
