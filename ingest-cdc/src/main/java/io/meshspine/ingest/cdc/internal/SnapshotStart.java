package io.meshspine.ingest.cdc.internal;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.meshspine.core.cdc.ChangeEvent;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A database's first snapshot stores its position before its first read is published (issue 19).
 *
 * <p>Why: the resuming snapshotter ({@link ResumingInitialSnapshotter}) can take a killed snapshot again from the
 * position it started at only if an offset marking it running was stored. Killed between publishing its first reads
 * and the engine's first offset flush, a lane found no offset, snapshotted afresh at the log's current position, and
 * its reads carried that new position: other identities for the gate, so a refused row was dead-lettered twice and a
 * row deleted in between kept its first read in Silver. Storing the offset of the snapshot's first read before that
 * read is sent closes the window: a snapshot offset says where the snapshot began, not which rows were delivered (a
 * resumed snapshot reads every row again), so storing it early skips nothing.
 *
 * <p>Only a read whose offset still marks the snapshot running qualifies: the offset of a snapshot's last read says
 * the snapshot is complete, and stored before that read is published it would skip it. A database whose whole first
 * snapshot is one row therefore keeps the window of that one read.
 */
final class SnapshotStart {

    /** Debezium's {@code source.snapshot} values of a read inside a snapshot that goes on after it. */
    private static final Set<String> RUNNING = Set.of("first", "true", "first_in_data_collection", "last_in_data_collection");

    private SnapshotStart() {
    }

    /**
     * Stores the position of the batch's first read, when the batch opens the first snapshot of a database with no
     * stored offset: marked processed and flushed before anything of the batch is sent (the engine flushes at once on
     * a task's first batch end). Returns whether it did.
     */
    static boolean storeBeforePublishing(List<RecordChangeEvent<SourceRecord>> events,
                                         DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (events.isEmpty() || !opensRunningSnapshot(events.get(0).record())) {
            return false;
        }
        committer.markProcessed(events.get(0));
        committer.markBatchFinished();
        return true;
    }

    /** Whether the change is a snapshot read whose offset marks the snapshot still running. */
    static boolean opensRunningSnapshot(SourceRecord record) {
        if (!(record.value() instanceof Struct value) || value.schema().field(ChangeEvent.OP) == null
                || !"r".equals(value.getString(ChangeEvent.OP))) {
            return false;
        }
        Struct source = value.getStruct(ChangeEvent.SOURCE);
        if (source == null || source.schema().field("snapshot") == null || !RUNNING.contains(source.getString("snapshot"))) {
            return false;
        }
        Map<String, ?> offset = record.sourceOffset();
        // PostgreSQL marks a snapshot's end in the offset itself.
        return offset != null && !Boolean.TRUE.equals(offset.get("last_snapshot_record"));
    }
}
