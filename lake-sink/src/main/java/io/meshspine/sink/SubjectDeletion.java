package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.SetTransaction;
import io.delta.standalone.data.CloseableIterator;
import io.delta.standalone.exceptions.DeltaConcurrentModificationException;
import io.delta.standalone.expressions.Literal;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.ParquetFiles;
import io.meshspine.sink.internal.Tombstones;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Deletes the rows of one data subject from a table (an erasure): every file holding a matching row is rewritten
 * without it, and the rewritten files are removed, in one Delta commit through the sink's own Parquet writer and
 * delta-standalone transaction. The commit is put-if-absent like the sink's; when a running sink (or maintenance)
 * commits in between (it reads the whole table, so a concurrent append conflicts too), the deletion is re-planned on
 * the new snapshot and tried again: no concurrent commit is lost and no row of the subject committed before the
 * deletion's commit survives. Rows of the subject committed after it are new data and stay.
 * <p>
 * On an upsert table each erased row's key keeps a tombstone just after the row's source sequence
 * ({@link Tombstones#recordErasure}), so a later replay or re-delivery of the erased change or an older one is ignored by
 * the sink and by a backfill {@code --replace}; a newer change of the key is applied (see there).
 */
public final class SubjectDeletion {

    private static final Logger log = LoggerFactory.getLogger(SubjectDeletion.class);
    private static final int ATTEMPTS = 10;

    /**
     * What one deletion did.
     *
     * @param version      the Delta version of the delete commit; -1 when no row matched (nothing committed)
     * @param rowsRemoved  rows deleted
     * @param filesRemoved the table-relative paths of the files the commit removed (their bytes stay until vacuum)
     */
    public record Result(long version, long rowsRemoved, List<String> filesRemoved) {
        public Result {
            filesRemoved = List.copyOf(filesRemoved);
        }

        public boolean changed() {
            return version >= 0;
        }
    }

    private SubjectDeletion() {
    }

    /**
     * Deletes the rows whose {@code column} holds one of {@code values} (compared as text). A table that does not exist
     * or holds no such row is left as it is.
     *
     * @param reason recorded in the commit's operation parameters (a ticket id; never the subject)
     */
    public static Result delete(String tablePath, String column, Set<String> values, String reason, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        String table = Hadoop.qualify(tablePath);
        DeltaLog deltaLog = DeltaLog.forTable(conf, table);
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(deltaLog, conf, table, column, values, reason);
            } catch (DeltaConcurrentModificationException e) {
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException("table " + table + ": the deletion lost to concurrent commits " + ATTEMPTS
                            + " times in a row; nothing was deleted, run it again", e);
                }
                log.info("deletion conflicted with a concurrent commit, re-planning table={} attempt={} conflict={}", table, attempt,
                        e.getClass().getSimpleName());
            }
        }
    }

    private static Result attempt(DeltaLog deltaLog, Configuration conf, String table, String column, Set<String> values, String reason) {
        OptimisticTransaction txn = deltaLog.startTransaction();
        if (txn.readVersion() < 0) {
            return new Result(-1, 0, List.of());
        }
        // Read before the tombstones are: a sink commit that records tombstones meanwhile conflicts with this one.
        long tombstonesHeld = txn.txnVersion(Tombstones.APP_ID);
        String avro = txn.metadata().getConfiguration().get(DeltaTable.AVRO_SCHEMA);
        if (avro == null) {
            throw new IllegalArgumentException("table " + table + " was not written by the meshspine sink (no " + DeltaTable.AVRO_SCHEMA + ")");
        }
        Schema schema = new Schema.Parser().parse(avro);
        Schema.Field field = schema.getField(column);
        if (field == null) {
            throw new IllegalArgumentException("table " + table + " has no column " + column);
        }
        String keys = txn.metadata().getConfiguration().getOrDefault(DeltaTable.KEYS, "");
        List<String> keyColumns = keys.isBlank() ? List.of() : List.of(keys.split(","));
        int pos = field.pos();
        ParquetFiles files = new ParquetFiles(conf);
        // Files the deletion reads are marked read: a concurrent commit that removes one of them is a conflict.
        List<AddFile> all = new ArrayList<>();
        try (CloseableIterator<AddFile> it = txn.markFilesAsRead(Literal.True).getFiles()) {
            it.forEachRemaining(all::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Action> actions = new ArrayList<>();
        List<String> written = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<GenericRecord> erased = new ArrayList<>();
        long rows = 0;
        boolean committed = false;
        try {
            for (AddFile f : all) {
                List<GenericRecord> kept = new ArrayList<>();
                long[] matched = {0};
                files.read(table, f.getPath(), schema, r -> {
                    Object v = r.get(pos);
                    if (v != null && values.contains(v.toString())) {
                        matched[0]++;
                        erased.add(r);
                    } else {
                        kept.add(r);
                    }
                });
                if (matched[0] == 0) {
                    continue;
                }
                long now = System.currentTimeMillis();
                actions.add(f.remove(now, true));
                removed.add(f.getPath());
                rows += matched[0];
                if (!kept.isEmpty()) {
                    String logPath = f.getPath();
                    String dir = logPath.contains("/") ? logPath.substring(0, logPath.lastIndexOf('/') + 1).replace("%25", "%") : "";
                    ParquetFiles.WrittenFile out = files.writeFile(table, dir, f.getPartitionValues(), schema, keyColumns,
                            sink -> kept.forEach(sink));
                    written.add(out.path());
                    actions.add(new AddFile(out.path(), out.partitionValues(), out.size(), now, true, out.stats(), Map.of()));
                }
            }
            if (removed.isEmpty()) {
                return new Result(-1, 0, List.of());
            }
            // An upsert table's erased keys keep a tombstone, committed before the rows go (see Tombstones.recordErasure):
            // a replay of an erased change cannot bring the row back.
            long tombstones = Tombstones.recordErasure(table, schema, keyColumns, erased, conf);
            if (tombstones >= 0 && tombstones != tombstonesHeld) {
                actions.add(new SetTransaction(Tombstones.APP_ID, tombstones, Optional.of(System.currentTimeMillis())));
            }
            long version = txn.commit(actions, new Operation(Operation.Name.DELETE, Map.of("predicate",
                    quoted("data subject erasure on column " + column), "reason", quoted(Objects.requireNonNullElse(reason, "")))),
                    DeltaTable.ENGINE_INFO).getVersion();
            committed = true;
            log.info("subject rows deleted table={} version={} rows={} filesRewritten={}", table, version, rows, removed.size());
            return new Result(version, rows, removed);
        } finally {
            if (!committed) {
                files.deleteQuietly(table, written);
            }
        }
    }

    /** delta-standalone wants operation parameter values JSON-encoded. */
    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    /**
     * {@code --purge-now}: deletes from storage, at once, the files a delete commit removed (the rewritten files that
     * still hold the subject's rows), instead of waiting for vacuum after the retention. Only those files: a running
     * writer's files are never touched. Time travel to versions before the delete then fails for those files: that is
     * the point. Returns the files deleted (a file already gone counts as deleted).
     */
    public static List<String> purge(String tablePath, List<String> filesRemoved, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(Hadoop.qualify(tablePath));
        List<String> deleted = new java.util.ArrayList<>();
        try {
            org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(conf);
            for (String relative : filesRemoved) {
                org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(root, relative);
                fs.delete(file, false);
                // the local file system's checksum sidecar, when there is one
                org.apache.hadoop.fs.Path crc = new org.apache.hadoop.fs.Path(file.getParent(), "." + file.getName() + ".crc");
                fs.delete(crc, false);
                deleted.add(relative);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("purging the rewritten files of " + tablePath + " (" + deleted.size() + " of "
                    + filesRemoved.size() + " deleted so far)", e);
        }
        log.info("rewritten files purged table={} files={}", tablePath, deleted.size());
        return deleted;
    }
}
