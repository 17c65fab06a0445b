package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.cdc.ChangeEvent;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.Map;
import java.util.Set;

/**
 * The two points of a snapshot where the position a crash resumes from must be stored before the lane sends more
 * (issue 19, chaos finding 1): the capture flushes its offsets there ({@link OffsetFlushPolicy}).
 *
 * <p><b>Before the first read of a database's first snapshot.</b> The resuming snapshotter
 * ({@link ResumingInitialSnapshotter}) can take a killed snapshot again from the position it began at only if an
 * offset marking it running was stored. Killed between publishing its first reads and the engine's first offset
 * flush, a lane found no offset, snapshotted afresh at the log's current position, and its reads carried that new
 * position: other identities for the gate, so a refused row was dead-lettered twice and a row deleted in between kept
 * its first read in Silver. A snapshot offset says where the snapshot began, not which rows were delivered (a resumed
 * snapshot reads every row again), so storing the first read's offset before that read is sent skips nothing. Only a
 * read whose offset still marks the snapshot running qualifies: stored before it is sent, the offset of a snapshot's
 * last read (which says "complete") would skip it; a database whose whole first snapshot is one row keeps the window
 * of that one read.
 *
 * <p><b>After the snapshot's last read, before the first streamed change.</b> A kill after streamed changes were sent
 * but before the snapshot's completion was stored resumed the snapshot: the resumed reads (MariaDB: stamped with the
 * snapshot's position, and covering the changes made since, {@link ResumedSnapshotCover}) then repeated, under other
 * identities, changes the killed task had already streamed: a refused row's insert was dead-lettered by the stream
 * and again by the read (seen in a chaos run with the ingest killed 2 s into its first snapshot). With the completion
 * stored first, a task that resumes a snapshot has sent nothing but reads, and one killed later just streams on.
 */
final class SnapshotBoundaries {

    /** Debezium's {@code source.snapshot} values of a read inside a snapshot that goes on after it. */
    private static final Set<String> RUNNING = Set.of("first", "true", "first_in_data_collection", "last_in_data_collection");

    private SnapshotBoundaries() {
    }

    /** Whether the change is a snapshot read whose offset marks the snapshot still running. */
    static boolean opensRunningSnapshot(SourceRecord record) {
        String snapshot = snapshotOfRead(record);
        if (snapshot == null || !RUNNING.contains(snapshot)) {
            return false;
        }
        Map<String, ?> offset = record.sourceOffset();
        // PostgreSQL marks a snapshot's end in the offset itself.
        return offset != null && !Boolean.TRUE.equals(offset.get("last_snapshot_record"));
    }

    /**
     * Whether a change of this op and {@code source.snapshot} marker is a snapshot's last read: its offset says the
     * snapshot is complete.
     */
    static boolean endsSnapshot(String op, String snapshotMarker) {
        return "r".equals(op) && "last".equals(snapshotMarker);
    }

    /** The {@code source.snapshot} marker of a snapshot read (op {@code r}); null for anything else. */
    private static String snapshotOfRead(SourceRecord record) {
        if (!(record.value() instanceof Struct value) || value.schema().field(ChangeEvent.OP) == null
                || !"r".equals(value.getString(ChangeEvent.OP))) {
            return null;
        }
        Struct source = value.getStruct(ChangeEvent.SOURCE);
        return source == null || source.schema().field("snapshot") == null ? null : source.getString("snapshot");
    }
}
