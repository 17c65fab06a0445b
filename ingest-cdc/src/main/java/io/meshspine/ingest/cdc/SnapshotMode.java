package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.ConfigValue;

import java.util.Locale;
import java.util.Optional;

/**
 * What a capture does before it streams. The same choices exist in Debezium's PostgreSQL and MariaDB connectors,
 * so one setting serves both.
 */
public enum SnapshotMode implements ConfigValue {
    /** Snapshot the table once, when no offset is stored yet, then stream. The default. */
    INITIAL,
    /** Stream only: changes from now on, no existing rows. */
    NO_DATA,
    /** Snapshot when no offset is stored or the stored one is no longer available in the log, then stream. */
    WHEN_NEEDED,
    /** Snapshot at every start, then stream (re-delivers every row: the gate deduplicates nothing of it). */
    ALWAYS,
    /** Snapshot once and stop; no streaming. */
    INITIAL_ONLY;

    public static Optional<SnapshotMode> fromConfig(String value) {
        return ConfigValue.parse(SnapshotMode.class, value);
    }

    /** Debezium's spelling of the mode ({@code snapshot.mode}). */
    public String debeziumValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
