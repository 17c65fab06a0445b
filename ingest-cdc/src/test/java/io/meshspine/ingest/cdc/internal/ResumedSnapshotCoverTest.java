package io.meshspine.ingest.cdc.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which streamed changes after a resumed MariaDB snapshot are passed over; the real thing is in SnapshotCrashTest. */
class ResumedSnapshotCoverTest {

    private static final String T = "accounts.services";
    private static final ResumedSnapshotCover.BinlogEnd END = new ResumedSnapshotCover.BinlogEnd("mysql-bin.000002", 5_000);

    @Test
    void streamedInsertsAndUpdatesWrittenBeforeTheTaskStartedArePassedOver_deletesAndChangesAfterADeleteAreNot() {
        ResumedSnapshotCover cover = new ResumedSnapshotCover("engine");
        cover.taskStarting(END);
        assertThat(cover.passOver(() -> true, T, 1, "r", "true", "mysql-bin.000001", 100)).as("a read").isFalse();
        assertThat(cover.passOver(() -> true, T, 1, "r", "last", "mysql-bin.000001", 100)).isFalse();
        assertThat(cover.passOver(() -> true, T, 2, "u", "false", "mysql-bin.000001", 900_000)).as("an older binlog file").isTrue();
        assertThat(cover.passOver(() -> true, T, 3, "c", "false", "mysql-bin.000002", 4_000)).isTrue();
        assertThat(cover.passOver(() -> true, T, 4, "d", "false", "mysql-bin.000002", 4_100)).as("a delete").isFalse();
        assertThat(cover.passOver(() -> true, T, 4, "c", "false", "mysql-bin.000002", 4_200)).as("inserted again after its delete").isFalse();
        assertThat(cover.passOver(() -> true, "accounts.other", 4, "c", "false", "mysql-bin.000002", 4_300)).as("another table's row 4").isTrue();
        assertThat(cover.passedOver()).isEqualTo(3);
        // Written after the task started: streamed, and from then on every change is.
        assertThat(cover.passOver(() -> true, T, 5, "c", "false", "mysql-bin.000002", 5_000)).isFalse();
        assertThat(cover.passOver(() -> true, T, 3, "u", "false", "mysql-bin.000002", 4_000)).isFalse();
    }

    @Test
    void aTaskThatResumesNothingPassesNothingOver() {
        ResumedSnapshotCover cover = new ResumedSnapshotCover("engine");
        cover.taskStarting(END);
        assertThat(cover.passOver(() -> false, T, 2, "u", "false", "mysql-bin.000001", 100)).isFalse();
        cover.taskStarting(null);
        assertThat(cover.passOver(() -> true, T, 2, "u", "false", "mysql-bin.000001", 100)).as("binlog end unknown").isFalse();
    }

    @Test
    void anEngineStartedAgainBeforeStreamingPassedTheResumedTasksStartGoesOnCovering() {
        ResumedSnapshotCover cover = new ResumedSnapshotCover("engine");
        cover.taskStarting(END);
        assertThat(cover.passOver(() -> true, T, 1, "r", "last", "mysql-bin.000001", 100)).isFalse();
        assertThat(cover.passOver(() -> true, T, 4, "d", "false", "mysql-bin.000001", 200)).isFalse();
        // A broker outage stops the engine; the next task streams from the stored position: the snapshot is complete.
        cover.taskStarting(new ResumedSnapshotCover.BinlogEnd("mysql-bin.000002", 9_000));
        cover.taskStarting(new ResumedSnapshotCover.BinlogEnd("mysql-bin.000002", 9_500)); // stopped before its first change
        assertThat(cover.passOver(() -> false, T, 2, "u", "false", "mysql-bin.000001", 150)).as("held by the earlier task's reads").isTrue();
        assertThat(cover.passOver(() -> false, T, 4, "c", "false", "mysql-bin.000001", 300)).as("after its delete").isFalse();
        assertThat(cover.passOver(() -> false, T, 6, "c", "false", "mysql-bin.000002", 6_000)).as("past the earlier task's start").isFalse();
        // Streaming passed it: a later restart covers nothing.
        cover.taskStarting(new ResumedSnapshotCover.BinlogEnd("mysql-bin.000002", 9_900));
        assertThat(cover.passOver(() -> false, T, 2, "u", "false", "mysql-bin.000001", 150)).isFalse();
    }

    @Test
    void aSnapshotResumedAgainReadsAgainAndIsCoveredByItsOwnStart() {
        ResumedSnapshotCover cover = new ResumedSnapshotCover("engine");
        cover.taskStarting(END);
        assertThat(cover.passOver(() -> true, T, 1, "r", "true", "mysql-bin.000001", 100)).isFalse();
        cover.taskStarting(new ResumedSnapshotCover.BinlogEnd("mysql-bin.000003", 10));
        assertThat(cover.passOver(() -> true, T, 1, "r", "last", "mysql-bin.000001", 100)).isFalse();
        assertThat(cover.passOver(() -> true, T, 2, "u", "false", "mysql-bin.000002", 7_000)).as("before the new task's start").isTrue();
        assertThat(cover.passOver(() -> true, T, 2, "u", "false", "mysql-bin.000003", 10)).isFalse();
    }
}
