package io.meshspine.sink;

import java.time.Duration;
import java.util.Objects;

/**
 * Upkeep the running sink schedules for its own tables: every {@code interval}, compaction to {@code targetFileBytes},
 * a checkpoint, and a vacuum keeping {@code vacuumRetention} of history. A zero interval turns it off (the CLI's
 * {@code spine lake} commands remain).
 */
public record MaintenancePolicy(Duration interval, long targetFileBytes, Duration vacuumRetention) {

    public static final MaintenancePolicy DEFAULT = new MaintenancePolicy(Duration.ofHours(1), Maintenance.DEFAULT_TARGET_FILE_BYTES,
            Maintenance.DEFAULT_RETENTION);
    public static final MaintenancePolicy OFF = new MaintenancePolicy(Duration.ZERO, Maintenance.DEFAULT_TARGET_FILE_BYTES,
            Maintenance.DEFAULT_RETENTION);

    public MaintenancePolicy {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(vacuumRetention, "vacuumRetention");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("sink maintenance interval must not be negative, was " + interval);
        }
        if (targetFileBytes < 1024 * 1024) {
            throw new IllegalArgumentException("sink compaction target must be at least 1 MB, was " + targetFileBytes);
        }
        if (vacuumRetention.compareTo(Maintenance.MIN_SAFE_RETENTION) < 0) {
            throw new IllegalArgumentException("sink vacuum retention must be at least " + Maintenance.MIN_SAFE_RETENTION
                    + " while the sink writes, was " + vacuumRetention);
        }
    }

    public boolean enabled() {
        return !interval.isZero();
    }
}
