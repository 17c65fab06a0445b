package io.meshspine.sink.internal;

import io.delta.standalone.DeltaScan;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.data.CloseableIterator;
import io.delta.standalone.expressions.Literal;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * Copy-on-write for an upsert table's batch: the files that may hold any key of the batch ({@link UpsertPruner}) are
 * streamed, their rows for other keys kept, and rewritten with the batch's latest state per key (deletes drop the key)
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
     * Adds the RemoveFile actions of the rewritten files to {@code actions} and returns the new files to add.
     *
     * @param changes the batch's latest row per key, null for a delete
     */
    List<ParquetFiles.WrittenFile> plan(OptimisticTransaction txn, LinkedHashMap<BusinessKey, GenericRecord> changes, List<Action> actions) {
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
        long kept = 0;
        List<ParquetFiles.WrittenFile> written;
        try {
            long[] keptRows = {0};
            for (AddFile f : affected) {
                String partitionValue = spec.partitionColumn().map(c -> f.getPartitionValues().get(c)).orElse(null);
                files.read(spec.path(), f.getPath(), spec.rowSchema(), row -> {
                    if (!changes.containsKey(BusinessKey.of(row, spec.keyColumns()))) {
                        out.write(partitionValue, row);
                        keptRows[0]++;
                    }
                });
            }
            kept = keptRows[0];
            List<GenericRecord> changed = new ArrayList<>();
            changes.values().stream().filter(Objects::nonNull).forEach(changed::add);
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
        log.debug("upsert plan table={} changes={} filesScanned={} filesRewritten={} rowsKept={} filesWritten={} prunedOn={}", spec.name(),
                changes.size(), scanned, affected.size(), kept, written.size(), pruner.prunedOn());
        return written;
    }

    private String partitionValue(GenericRecord row) {
        return spec.partitionColumn().map(c -> ParquetFiles.partitionValue(DeltaSchemas.nonNull(c, spec.rowSchema().getField(c).schema()),
                row.get(c))).orElse(null);
    }
}
