package io.meshspine.sink;

import java.time.Duration;
import java.util.Objects;

/**
 * When a table's micro-batch is committed: whichever comes first of this many records, this many bytes (keys plus
 * values as read from Kafka), or this long since the batch's first record. Large batches make large files; the
 * latency bound keeps a quiet table fresh.
 */
public record BatchTrigger(int maxRecords, long maxBytes, Duration maxLatency) {

    /** 500k records, 128 MB, 30 s: files large enough for readers, freshness well inside the contracts' SLOs. */
    public static final BatchTrigger DEFAULT = new BatchTrigger(500_000, 128L * 1024 * 1024, Duration.ofSeconds(30));

    /** Commit attempts of one batch against concurrent writers before it is abandoned and re-read. */
    public static final int COMMIT_ATTEMPTS = 10;
    /** The shortest {@link #maxOpen()}: a slow commit on a busy machine must not abandon a batch. */
    public static final Duration MIN_OPEN = Duration.ofMinutes(10);

    public BatchTrigger {
        Objects.requireNonNull(maxLatency, "maxLatency");
        if (maxRecords < 1) {
            throw new IllegalArgumentException("sink batch max records must be at least 1, was " + maxRecords);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("sink batch max bytes must be at least 1, was " + maxBytes);
        }
        if (maxLatency.isNegative() || maxLatency.isZero()) {
            throw new IllegalArgumentException("sink batch max latency must be positive, was " + maxLatency);
        }
    }

    public BatchTrigger withMaxRecords(int records) {
        return new BatchTrigger(records, maxBytes, maxLatency);
    }

    public BatchTrigger withMaxLatency(Duration latency) {
        return new BatchTrigger(maxRecords, maxBytes, latency);
    }

    /**
     * The longest a batch's data files stay written but uncommitted: its latency, once more while the batch before it
     * commits, and once per commit attempt (at least {@link #MIN_OPEN}). A batch older than this is abandoned rather
     * than committed, so vacuum with a retention of twice this can never delete a file a live writer still commits.
     */
    public Duration maxOpen() {
        Duration open = maxLatency.multipliedBy(COMMIT_ATTEMPTS + 2L);
        return open.compareTo(MIN_OPEN) < 0 ? MIN_OPEN : open;
    }

    /** The shortest vacuum retention that cannot race a sink with this trigger (and never under an hour). */
    public Duration minVacuumRetention() {
        Duration floor = maxOpen().multipliedBy(2);
        return floor.compareTo(Maintenance.MIN_SAFE_RETENTION) < 0 ? Maintenance.MIN_SAFE_RETENTION : floor;
    }

    /** Whether a batch of this size, begun this long ago, is due. */
    public boolean isDue(int records, long bytes, Duration age) {
        return records >= maxRecords || bytes >= maxBytes || (records > 0 && age.compareTo(maxLatency) >= 0);
    }
}
