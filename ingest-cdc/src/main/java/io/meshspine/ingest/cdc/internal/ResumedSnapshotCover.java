package io.meshspine.ingest.cdc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The streamed MariaDB changes a resumed snapshot's reads already hold, to be passed over (chaos finding 1, MariaDB
 * residual; README, CDC section).
 *
 * <p>Why: a snapshot interrupted by a crash is taken again at the stored binlog position ({@link
 * ResumingInitialSnapshotter}): MariaDB reads every row as it is <em>now</em>, stamps each read with the stored
 * position, then streams from that position, so a row inserted or changed while the lane was down came twice, as a
 * read and as its streamed change. Two positions are two identities for the gate: a row the contract refuses was
 * dead-lettered twice. Unlike PostgreSQL's catch-up ({@link CatchUpKeys}) the reads come first, so it is the streamed
 * change that is passed over here, and only when the reads are known to hold it: its transaction was in the binlog
 * before the engine task started (the end of the binlog is read just before, and the snapshot's consistent read opens
 * after it, under Debezium's global read lock), so the snapshot's read of the row (or its absence) already shows it.
 * The gate still lets the read through when it reads another row than the interrupted snapshot did at the same
 * position (its identity includes the row read), so passing the change over loses nothing.
 *
 * <p>Deletes are never passed over: a deleted row has no read, and the interrupted snapshot's read of it may be in
 * Silver. A row deleted and inserted again while down keeps the changes after its delete, since the delete's newer
 * position would otherwise remove the read.
 *
 * <p>Bounded: it acts only in an engine task that resumes an interrupted snapshot, until the first streamed change
 * written after the task started, and in the tasks of the same process that stream again after it before that change
 * (an engine restarted by a fault); it keeps the keys deleted in that span. Not covered: the ingest process killed
 * after the resumed snapshot's end and before a position past the task's start is stored; the next process then
 * streams those changes again, and a refused row inserted while down gets a second dead letter (Silver is right).
 * One instance per capture, used by the engine's single delivery thread.
 */
final class ResumedSnapshotCover {

    /** The end of the binlog: {@code file} (its numeric suffix) and {@code pos}. */
    record BinlogEnd(String file, long pos) {

        /** Read with {@code SHOW MASTER STATUS}; null when the binlog is off or the user may not see it. */
        static BinlogEnd read(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
                return rs.next() ? new BinlogEnd(rs.getString(1), rs.getLong(2)) : null;
            }
        }

        /** Whether a change at {@code file:pos} was written before this end. */
        boolean after(String changeFile, long changePos) {
            long mine = number(file);
            long theirs = number(changeFile);
            return mine != theirs ? mine > theirs : pos > changePos;
        }

        private static long number(String binlogFile) {
            return Long.parseLong(binlogFile.substring(binlogFile.lastIndexOf('.') + 1));
        }
    }

    private enum Phase {
        /** A new engine task: whether it resumes an interrupted snapshot is asked at its first change. */
        UNKNOWN,
        /** Resuming: streamed changes written before the task started are held by the snapshot's reads. */
        COVERING,
        /** Nothing (more) to do in this task. */
        DONE
    }

    private record Row(String table, Object key) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ResumedSnapshotCover.class);

    private final String engine;
    private final Set<Row> deleted = new HashSet<>();
    private BinlogEnd end;
    /** The end of a task that was still covering when it stopped: its reads were published, its streaming had not passed it. */
    private BinlogEnd carried;
    private BinlogEnd next;
    private Phase phase = Phase.UNKNOWN;
    private long passedOver;

    ResumedSnapshotCover(String engine) {
        this.engine = engine;
    }

    /** A new engine task begins; {@code endBeforeTask}: the binlog's end read just before (null: unknown, nothing passed over). */
    void taskStarting(BinlogEnd endBeforeTask) {
        // An engine started again in this process (a broker outage, a database fault) after a resumed snapshot's reads
        // but before its streaming passed the task's start streams again from the last stored position, which may lie
        // before changes the reads hold: the cover goes on with that task's end (its deleted keys too).
        // (A task that stopped before its first change leaves what it was handed.)
        carried = phase == Phase.COVERING ? end : phase == Phase.UNKNOWN ? carried : null;
        if (carried == null) {
            deleted.clear();
        }
        next = endBeforeTask;
        phase = Phase.UNKNOWN;
        passedOver = 0;
    }

    /**
     * Whether this change is a streamed change the resumed snapshot's reads already hold.
     *
     * @param resuming whether the engine's task resumes an interrupted snapshot (asked once per task)
     * @param op       {@code r} for a read, {@code c}, {@code u}, {@code d} streamed
     * @param snapshot Debezium's {@code source.snapshot} marker (reads of snapshots, incremental ones too)
     */
    boolean passOver(BooleanSupplier resuming, String table, Object key, String op, String snapshot, String file, long pos) {
        if (phase == Phase.UNKNOWN) {
            if (resuming.getAsBoolean()) {
                // Read again from scratch: this task's reads hold what was written before this task's start.
                end = next;
                deleted.clear();
            } else {
                end = carried;
            }
            carried = null;
            phase = end != null ? Phase.COVERING : Phase.DONE;
            if (phase == Phase.COVERING) {
                LOG.info("cdc resumed snapshot engine={} binlogEndBeforeTask={}:{}: changes written before it are held by the reads",
                        engine, end.file(), end.pos());
            }
        }
        if (phase == Phase.DONE || "r".equals(op) || (snapshot != null && !"false".equals(snapshot))) {
            return false;
        }
        if (!end.after(file, pos)) {
            LOG.info("cdc resumed snapshot streaming past the task's start engine={} changesPassedOver={}", engine, passedOver);
            phase = Phase.DONE;
            deleted.clear();
            return false;
        }
        Row row = new Row(table, key);
        if ("d".equals(op)) {
            deleted.add(row);
            return false;
        }
        if (deleted.contains(row)) {
            return false;
        }
        passedOver++;
        return true;
    }

    /** Streamed changes passed over in this task so far. */
    long passedOver() {
        return passedOver;
    }
}
