package io.meshspine.sink;

import java.util.Optional;

/**
 * Where a sink process may be told to halt itself, to prove that a crash there loses and duplicates nothing. Set with
 * the system property {@value #PROPERTY}; {@value #AFTER_COMMITS_PROPERTY} (default 0) lets that many batches commit
 * first. Halting is {@link Runtime#halt}: no shutdown hooks, no flushing, the same as kill -9 for the data.
 */
public enum CrashPoint {
    /** The batch's Parquet files are written, the Delta commit has not happened. */
    AFTER_PARQUET_BEFORE_COMMIT,
    /** An upsert batch's tombstones are committed to the tombstone table, the main table's commit has not happened. */
    AFTER_TOMBSTONES_BEFORE_COMMIT,
    /** The Delta commit happened, the advisory Kafka offset commit has not. */
    AFTER_COMMIT_BEFORE_OFFSET_COMMIT,
    /** A backfill chunk's Silver files and dead letters are written, its manifest entry is not (counts chunks as commits). */
    BACKFILL_CHUNK_BEFORE_MANIFEST;

    public static final String PROPERTY = "meshspine.sink.crash-at";
    public static final String AFTER_COMMITS_PROPERTY = "meshspine.sink.crash-after-commits";
    /** The exit status a halted sink leaves, so a test can tell the planned halt from any other death. */
    public static final int EXIT_STATUS = 86;

    public static Optional<CrashPoint> configured() {
        String value = System.getProperty(PROPERTY);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(valueOf(value.trim()));
    }

    public static long commitsBeforeCrash() {
        return Long.getLong(AFTER_COMMITS_PROPERTY, 0L);
    }
}
