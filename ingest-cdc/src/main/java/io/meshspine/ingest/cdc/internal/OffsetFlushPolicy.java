package io.meshspine.ingest.cdc.internal;

import io.debezium.engine.spi.OffsetCommitPolicy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * When an engine stores its offsets: every {@code cdc.offset-flush-interval} (Debezium's periodic policy), and at once
 * at the end of a batch (or batch segment) after which the lane asked for it. The lane asks at the two points of a
 * snapshot where what a crash would resume from must be on record before anything more is sent: before the first read
 * of a database's first snapshot, and after the snapshot's last read, before the first streamed change
 * ({@link SnapshotBoundaries}). One instance per engine run; asked on the engine's delivery thread.
 */
final class OffsetFlushPolicy implements OffsetCommitPolicy {

    private final Duration interval;
    private final AtomicBoolean requested = new AtomicBoolean();

    OffsetFlushPolicy(Duration interval) {
        this.interval = interval;
    }

    /** The next batch end stores the offsets of what was marked processed so far, whatever the interval. */
    void requestFlush() {
        requested.set(true);
    }

    @Override
    public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
        return requested.getAndSet(false) || timeSinceLastCommit.compareTo(interval) >= 0;
    }
}
