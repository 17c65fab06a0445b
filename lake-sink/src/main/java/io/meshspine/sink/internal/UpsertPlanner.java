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
 * read, their rows for other keys kept, and rewritten with the batch's latest state per key (deletes drop the key); the
 * old files are removed in the same commit. Files the statistics rule out are not touched. The files read are marked in
 * the transaction, so a concurrent commit that removed one of them conflicts instead of being overwritten.
 */
final class UpsertPlanner {

    private static final Logger log = LoggerFactory.getLogger(UpsertPlanner.class);

    private final TableSpec spec;
    private final ParquetFiles files;

    UpsertPlanner(TableSpec spec, ParquetFiles files) {
        this.spec = spec;
        this.files = files;
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
        List<GenericRecord> rows = new ArrayList<>();
        for (AddFile f : affected) {
            files.read(spec.path(), f.getPath(), spec.rowSchema(), row -> {
                if (!changes.containsKey(BusinessKey.of(row, spec.keyColumns()))) {
                    rows.add(row);
                }
            });
        }
        changes.values().stream().filter(Objects::nonNull).forEach(rows::add);
        // Sorted by key, new files have narrow key ranges, so later batches rewrite fewer of them.
        rows.sort((a, b) -> BusinessKey.of(a, spec.keyColumns()).compareTo(BusinessKey.of(b, spec.keyColumns())));
        long now = System.currentTimeMillis();
        for (AddFile f : affected) {
            actions.add(f.remove(now, true));
        }
        log.debug("upsert plan table={} changes={} filesScanned={} filesRewritten={} rowsRewritten={} prunedOn={}", spec.name(),
                changes.size(), scanned, affected.size(), rows.size(), pruner.prunedOn());
        return files.write(spec.path(), spec.rowSchema(), spec.partitionColumn(), spec.keyColumns(), rows);
    }
}
