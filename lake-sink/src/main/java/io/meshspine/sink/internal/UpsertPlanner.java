package io.meshspine.sink.internal;

import io.delta.standalone.DeltaScan;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.SetTransaction;
import io.delta.standalone.data.CloseableIterator;
import io.delta.standalone.expressions.Literal;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Copy-on-write for an upsert table's batch: the files that may hold any key of the batch ({@link UpsertPruner}) are
 * streamed, their rows for other keys kept, and rewritten with the batch's newest state per key (deletes drop the key;
 * a key whose row in the table is newer by source sequence keeps its row)
 * into files of about the target size ({@link RollingFiles}); the old files are removed in the same commit. Files the statistics rule out are not touched. The files read are marked in
 * the transaction, so a concurrent commit that removed one of them conflicts instead of being overwritten.
 */
final class UpsertPlanner {

    private static final Logger log = LoggerFactory.getLogger(UpsertPlanner.class);

    /** Rewritten files are about this size (the compaction target): never one unbounded file per partition. */
    static final long DEFAULT_TARGET_FILE_BYTES = 128L * 1024 * 1024;

    private final TableSpec spec;
    private final ParquetFiles files;
    private final long targetFileBytes;

    UpsertPlanner(TableSpec spec, ParquetFiles files) {
        this(spec, files, DEFAULT_TARGET_FILE_BYTES);
    }

    UpsertPlanner(TableSpec spec, ParquetFiles files, long targetFileBytes) {
        this.spec = spec;
        this.files = files;
        this.targetFileBytes = targetFileBytes;
    }

    /**
     * What the rewrite writes.
     *
     * @param files the new files to add
     * @param stale keys whose change was not applied because the table's row of the key comes later in the source log
     */
    record Plan(List<ParquetFiles.WrittenFile> files, Set<BusinessKey> stale) {
        int staleAgainstTable() {
            return stale.size();
        }
    }

    /**
     * What an upsert batch does to the table and its tombstones.
     *
     * @param files      the new files to add
     * @param stale      changes not applied: older than the key's row or its tombstone
     * @param tombstones deleted keys the batch recorded as tombstones (already committed to the tombstone table)
     */
    record Applied(List<ParquetFiles.WrittenFile> files, int stale, int tombstones) {
    }

    /**
     * An upsert batch against the table and its {@link Tombstones}: the batch's keys are looked up there, a change
     * older than its key's tombstone becomes that delete again (ignored), the rewrite is planned ({@link #plan}), and the
     * batch's applied deletes that no tombstone holds yet are committed to the tombstone table — before the caller's
     * commit that removes the rows, so a crash between the two cannot lose a delete's tombstone. The caller's commit
     * gets a txn action {@link Tombstones#APP_ID} whenever the batch deletes (held or new), and this transaction reads that
     * app id before the lookup: whichever of two racing writers commits second plans again and sees the other's tombstones.
     */
    Applied apply(OptimisticTransaction txn, LinkedHashMap<BusinessKey, SilverRows.KeyChange> changes, Tombstones tombstones,
                  List<Action> actions) {
        txn.txnVersion(Tombstones.APP_ID);
        Tombstones.Seen seen = tombstones.lookup(changes.keySet());
        Set<BusinessKey> notApplied = new HashSet<>();
        Plan plan = plan(txn, seen.apply(changes, notApplied), actions);
        notApplied.addAll(plan.stale());
        List<Tombstones.Tombstone> deletes = Tombstones.Seen.deletes(changes, notApplied);
        int recorded = 0;
        if (!deletes.isEmpty()) {
            try {
                // Held already (an earlier attempt of this batch, its reading before a crash): not written again.
                List<Tombstones.Tombstone> missing = seen.missing(deletes);
                long version = missing.isEmpty() ? seen.version() : tombstones.append(missing, System.currentTimeMillis());
                actions.add(new SetTransaction(Tombstones.APP_ID, version, Optional.of(System.currentTimeMillis())));
                recorded = missing.size();
            } catch (RuntimeException e) {
                files.deleteQuietly(spec.path(), plan.files().stream().map(ParquetFiles.WrittenFile::path).toList());
                throw e;
            }
        }
        return new Applied(plan.files(), notApplied.size(), recorded);
    }

    /**
     * Adds the RemoveFile actions of the rewritten files to {@code actions} and returns the new files to add. A change
     * whose key's row in the table has a later {@link SourceSequence} (a replay of an old change, a change that arrived
     * late from another source partition) is not applied: the row stays as it is.
     *
     * @param changes the batch's newest change per key (a null row is a delete)
     */
    Plan plan(OptimisticTransaction txn, LinkedHashMap<BusinessKey, SilverRows.KeyChange> changes, List<Action> actions) {
        UpsertPruner pruner = new UpsertPruner(spec, changes.keySet());
        List<AddFile> affected = new ArrayList<>();
        int scanned = 0;
        DeltaScan scan = txn.markFilesAsRead(Literal.True);
        try (CloseableIterator<AddFile> it = scan.getFiles()) {
            while (it.hasNext()) {
                AddFile f = it.next();
                scanned++;
                if (pruner.mayHoldAny(f)) {
                    affected.add(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Streamed: each affected file's rows for other keys go straight into new files of the target size, in the
        // file's own order (files are written sorted by key, so their successors keep narrow key ranges); the batch's
        // rows follow, sorted by key. Only the batch's changes and the open files' buffers are in memory.
        RollingFiles out = new RollingFiles(files, spec.path(), spec.rowSchema(), spec.partitionColumn(), spec.keyColumns(), targetFileBytes);
        int sequenceField = sequencePosition();
        Set<BusinessKey> stale = new HashSet<>();
        long kept = 0;
        List<ParquetFiles.WrittenFile> written;
        try {
            long[] keptRows = {0};
            for (AddFile f : affected) {
                String partitionValue = spec.partitionColumn().map(c -> f.getPartitionValues().get(c)).orElse(null);
                files.read(spec.path(), f.getPath(), spec.rowSchema(), row -> {
                    BusinessKey key = BusinessKey.of(row, spec.keyColumns());
                    SilverRows.KeyChange change = changes.get(key);
                    if (change == null) {
                        out.write(partitionValue, row);
                        keptRows[0]++;
                    } else if (sequenceField >= 0 && SourceSequence.isAfter(string(row.get(sequenceField)), change.sequence())) {
                        // The table already holds a later state of the key: an older change must not roll it back.
                        stale.add(key);
                        out.write(partitionValue, row);
                        keptRows[0]++;
                    }
                });
            }
            kept = keptRows[0];
            List<GenericRecord> changed = new ArrayList<>();
            changes.forEach((key, change) -> {
                if (change.row() != null && !stale.contains(key)) {
                    changed.add(change.row());
                }
            });
            changed.sort((a, b) -> BusinessKey.of(a, spec.keyColumns()).compareTo(BusinessKey.of(b, spec.keyColumns())));
            for (GenericRecord row : changed) {
                out.write(partitionValue(row), row);
            }
            written = out.close();
        } catch (RuntimeException e) {
            out.abandon();
            throw e;
        }
        long now = System.currentTimeMillis();
        for (AddFile f : affected) {
            actions.add(f.remove(now, true));
        }
        log.debug("upsert plan table={} changes={} filesScanned={} filesRewritten={} rowsKept={} staleChanges={} filesWritten={} prunedOn={}",
                spec.name(), changes.size(), scanned, affected.size(), kept, stale.size(), written.size(), pruner.prunedOn());
        return new Plan(written, Set.copyOf(stale));
    }

    /** Where the row holds its source sequence, or -1 for a table without the column (rows from tests' own schemas). */
    private int sequencePosition() {
        org.apache.avro.Schema.Field f = spec.rowSchema().getField(SourceSequence.COLUMN);
        return f == null ? -1 : f.pos();
    }

    private static String string(Object v) {
        return v == null ? null : v.toString();
    }

    private String partitionValue(GenericRecord row) {
        return spec.partitionColumn().map(c -> ParquetFiles.partitionValue(DeltaSchemas.nonNull(c, spec.rowSchema().getField(c).schema()),
                row.get(c))).orElse(null);
    }
}
