package io.meshspine.ingest.cdc.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which reads of a resumed PostgreSQL snapshot are passed over; the real thing is in SnapshotCrashTest. */
class CatchUpKeysTest {

    private static final String T = "public.customers";

    @Test
    void aResumedSnapshotPassesOverReadsOfRowsItsCatchUpDelivered_untilStreamingGoesOn() {
        CatchUpKeys keys = new CatchUpKeys("engine");
        keys.taskStarting();
        // The catch-up: streamed changes before the snapshot's first read.
        assertThat(keys.passOver(() -> true, T, "S2", "u", "INITIAL")).isFalse();
        assertThat(keys.passOver(() -> true, T, "W1", "c", "INITIAL")).isFalse();
        assertThat(keys.caughtUpRows()).isEqualTo(2);
        // The resumed snapshot's reads.
        assertThat(keys.passOver(() -> true, T, "S3", "r", "true")).isFalse();
        assertThat(keys.passOver(() -> true, T, "S2", "r", "true")).isTrue();
        assertThat(keys.passOver(() -> true, "public.other", "W1", "r", "true")).as("another table's row").isFalse();
        assertThat(keys.passOver(() -> true, T, "W1", "r", "last")).isTrue();
        assertThat(keys.passedOver()).isEqualTo(2);
        // Streaming after the snapshot: the kept rows are dropped, later reads (an incremental snapshot) all published.
        assertThat(keys.passOver(() -> true, T, "S2", "u", null)).isFalse();
        assertThat(keys.caughtUpRows()).isZero();
        assertThat(keys.passOver(() -> true, T, "S2", "r", "incremental")).isFalse();
        assertThat(keys.passOver(() -> true, T, "S2", "r", "true")).isFalse();
    }

    @Test
    void aTaskThatResumesNothingKeepsNothing() {
        CatchUpKeys keys = new CatchUpKeys("engine");
        keys.taskStarting();
        assertThat(keys.passOver(() -> false, T, "S2", "u", null)).isFalse();
        assertThat(keys.caughtUpRows()).isZero();
        assertThat(keys.passOver(() -> false, T, "S2", "r", "true")).isFalse();
        // An engine restarted after a fault asks again.
        keys.taskStarting();
        assertThat(keys.passOver(() -> true, T, "S2", "u", "INITIAL")).isFalse();
        assertThat(keys.passOver(() -> true, T, "S2", "r", "first")).isTrue();
    }

    @Test
    void incrementalReadsNeverEndTheCatchUpNorArePassedOver() {
        CatchUpKeys keys = new CatchUpKeys("engine");
        keys.taskStarting();
        assertThat(keys.passOver(() -> true, T, "S2", "u", "INITIAL")).isFalse();
        assertThat(keys.passOver(() -> true, T, "S2", "r", "incremental")).isFalse();
        assertThat(keys.caughtUpRows()).isEqualTo(1);
        assertThat(keys.passOver(() -> true, T, "S2", "r", "true")).isTrue();
    }
}
