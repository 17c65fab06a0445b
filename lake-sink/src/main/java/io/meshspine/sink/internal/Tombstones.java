package io.meshspine.sink.internal;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.Snapshot;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.Metadata;
import io.delta.standalone.exceptions.DeltaConcurrentModificationException;
import io.delta.standalone.types.StructType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The deleted keys of one upsert table. A delete removes the key's row and with it the row's {@link SourceSequence}; a
 * change of the key older than the delete, arriving in a later batch (a DLQ replay, a re-delivery after a crash, an
 * older change that moved to another source partition), would then find no row to lose against and bring the key back.
 * The tombstone keeps the key and the delete's sequence, so such a change is ignored; a newer change brings the key back.
 * <p>
 * Where: a Delta table of its own inside the table's directory ({@value #DIR}). Readers of Silver (Spark, Trino, Delta
 * Kernel) read the main table's log only, so they see no deleted rows and no column to filter; vacuum (Spark's, and
 * {@code Maintenance.vacuum}) skips directories whose names start with {@code _}. Rows: the key columns, the delete's
 * sequence ({@value SourceSequence#COLUMN}) and when it was committed ({@value #DELETED_AT}, epoch milliseconds); files are
 * written in key order with statistics, so a batch reads only the files that may hold its keys ({@link UpsertPruner}).
 * <p>
 * Why this cannot lose a tombstone: two tables cannot share one commit, so a batch's tombstones are committed
 * <em>before</em> the main table's commit that removes the rows. A crash between the two leaves tombstones whose deletes
 * are read again from Kafka and applied (the tombstones are found then and not written twice); never a delete without
 * its tombstone. The main commit also carries a txn action {@value #APP_ID} (version: the tombstone table's version)
 * and every upsert transaction reads that app id first, so a concurrent writer that looked up the tombstones before
 * they were written loses its commit with ConcurrentTransactionException and plans again, even when the delete's commit
 * touched no data file (a key deleted before its older insert arrived).
 * <p>
 * Bounded by {@code sink.tombstone-retention} (recorded in the tombstone table as {@value #RETENTION}): {@link #compact}
 * (run by the sink's upkeep and {@code ./spine lake compact}) drops tombstones committed longer ago than that and merges
 * the rest into key-ordered files. A tombstone protects its key for at least the retention; after it is dropped, a
 * change older than the delete brings the key back.
 */
public final class Tombstones {

    private static final Logger log = LoggerFactory.getLogger(Tombstones.class);

    /** The tombstone table's directory inside its upsert table. */
    public static final String DIR = "_meshspine_tombstones";
    /** The main table's txn app id that every upsert reads and every commit with new tombstones sets. */
    public static final String APP_ID = "meshspine-tombstones";
    static final String DELETED_AT = "_deleted_at";
    /** The retention the sink writing the table was configured with (ISO-8601), read by compaction. */
    public static final String RETENTION = "meshspine.tombstone.retention";
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    /** Below this a tombstone could expire while the batch that needs it is re-read after a crash. */
    public static final Duration MIN_RETENTION = Duration.ofHours(1);
    private static final int ATTEMPTS = 10;

    /** A key deleted at a source sequence. */
    record Tombstone(BusinessKey key, String sequence) {
    }

    /** What compaction did: files removed and added, tombstones kept and dropped (expired or superseded). */
    public record Compaction(long version, int filesRemoved, int filesAdded, long kept, long dropped) {
        static Compaction nothing() {
            return new Compaction(-1, 0, 0, 0, 0);
        }
    }

    private final TableSpec spec;
    private final DeltaLog deltaLog;
    private final ParquetFiles files;
    private final Duration retention;

    /**
     * @param retention the live sink's {@code sink.tombstone-retention}, recorded in the table; null (a backfill or an
     *                  erasure, which know no sink setting): the table keeps the retention it records
     *                  ({@link #DEFAULT_RETENTION} when this creates it)
     */
    Tombstones(TableSpec table, Configuration conf, ParquetFiles files, Duration retention) {
        this.spec = new TableSpec(table.name() + "/" + DIR, path(table.path()), table.kind(), table.topic(), table.contract(),
                schema(table.rowSchema(), table.keyColumns()), Optional.empty(), table.keyColumns(), table.trigger());
        this.deltaLog = DeltaLog.forTable(conf, spec.path());
        this.files = files;
        this.retention = retention;
    }

    /** The tombstone table of the upsert table at {@code tablePath}. */
    public static String path(String tablePath) {
        return (tablePath.endsWith("/") ? tablePath : tablePath + "/") + DIR;
    }

    /** A tombstone row: the table's key columns, the delete's sequence, when it was committed. */
    static Schema schema(Schema row, List<String> keyColumns) {
        List<Schema.Field> fields = new ArrayList<>();
        for (String k : keyColumns) {
            Schema.Field f = row.getField(k);
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(SourceSequence.COLUMN, Schema.create(Schema.Type.STRING), "The delete's source sequence"));
        fields.add(new Schema.Field(DELETED_AT, Schema.create(Schema.Type.LONG), "When the delete was committed (epoch ms): retention"));
        return Schema.createRecord(row.getName() + "Tombstone", "Deleted keys of an upsert table", row.getNamespace(), false, fields);
    }

    /** The tombstones of some keys, as the tombstone table held them when they were looked up. */
    static final class Seen {
        private final Map<BusinessKey, List<String>> sequences;
        private final long version;

        private Seen(Map<BusinessKey, List<String>> sequences, long version) {
            this.sequences = sequences;
            this.version = version;
        }

        /** The tombstone table's version read (-1: there is none yet). */
        long version() {
            return version;
        }

        /** The newest tombstone of the key that comes after {@code sequence} in the same log, or null. */
        String after(BusinessKey key, String sequence) {
            return newestAfter(sequences.getOrDefault(key, List.of()), sequence);
        }

        /** Whether a tombstone of the key at or after {@code sequence} exists already. */
        boolean holds(BusinessKey key, String sequence) {
            return holdsAt(sequences.getOrDefault(key, List.of()), sequence);
        }

        /**
         * The batch's changes as they apply: a change older than a tombstone of its key becomes that delete again (it
         * is ignored, and a row older than the tombstone, left by a crash or an offset reset, goes too).
         *
         * @param covered collects the keys whose change was older than a tombstone
         */
        LinkedHashMap<BusinessKey, SilverRows.KeyChange> apply(LinkedHashMap<BusinessKey, SilverRows.KeyChange> changes, Set<BusinessKey> covered) {
            if (sequences.isEmpty()) {
                return changes;
            }
            LinkedHashMap<BusinessKey, SilverRows.KeyChange> out = new LinkedHashMap<>();
            changes.forEach((key, change) -> {
                String tombstone = after(key, change.sequence());
                if (tombstone == null) {
                    out.put(key, change);
                } else {
                    covered.add(key);
                    out.put(key, new SilverRows.Change.Delete(key, tombstone));
                }
            });
            return out;
        }

        /**
         * The batch's applied deletes that carry a sequence (without one nothing can be ordered against them): each
         * needs a tombstone, written by this batch unless {@link #holds} says one exists (an earlier attempt of the same
         * batch, or its first reading before a crash).
         */
        static List<Tombstone> deletes(Map<BusinessKey, SilverRows.KeyChange> changes, Set<BusinessKey> notApplied) {
            List<Tombstone> out = new ArrayList<>();
            changes.forEach((key, change) -> {
                if (change instanceof SilverRows.Change.Delete d && d.sequence() != null && !notApplied.contains(key)) {
                    out.add(new Tombstone(key, d.sequence()));
                }
            });
            return out;
        }

        /** Those of the deletes no tombstone holds yet. */
        List<Tombstone> missing(List<Tombstone> deletes) {
            return deletes.stream().filter(t -> !holds(t.key(), t.sequence())).toList();
        }
    }

    /**
     * An erasure's tombstones ({@code SubjectDeletion}): for each erased row of an upsert table that has a
     * {@link SourceSequence}, a tombstone just after the row's sequence ({@link SourceSequence#justAfter}), so a
     * re-delivery or replay of the erased change, or of any older change of the key, is ignored instead of bringing the
     * row back. A newer change of the key applies (the sink cannot tell it from a new customer with the same key: an
     * erased subject's changes should not reach the source log again; if one does, the erasure must be run again).
     * Rows without a sequence (file lanes, rows written before sequences existed) get none: nothing could be ordered
     * against it. Committed before the caller's delete commit, as the sink does.
     *
     * @param rowSchema  the upsert table's row schema
     * @param erasedRows the rows the erasure deletes
     * @return the tombstone table's version that holds the erased keys' tombstones, for the caller's txn
     *         {@link #APP_ID}; -1 when no erased row had a sequence
     */
    public static long recordErasure(String tablePath, Schema rowSchema, List<String> keyColumns, List<GenericRecord> erasedRows,
                                     Configuration conf) {
        Schema.Field column = rowSchema.getField(SourceSequence.COLUMN);
        if (column == null || keyColumns.isEmpty()) {
            return -1;
        }
        TableSpec table = new TableSpec(tablePath, tablePath, TableKind.SILVER_UPSERT, null, null, rowSchema, Optional.empty(),
                keyColumns, io.meshspine.sink.BatchTrigger.DEFAULT);
        ParquetFiles files = new ParquetFiles(conf);
        Tombstones tombstones = new Tombstones(table, conf, files, null);
        List<Tombstone> erased = new ArrayList<>();
        for (GenericRecord row : erasedRows) {
            Object sequence = row.get(column.pos());
            if (sequence != null) {
                erased.add(new Tombstone(BusinessKey.of(row, keyColumns), SourceSequence.justAfter(sequence.toString())));
            }
        }
        if (erased.isEmpty()) {
            return -1;
        }
        Seen seen = tombstones.lookup(erased.stream().map(Tombstone::key).toList());
        List<Tombstone> missing = seen.missing(erased);
        return missing.isEmpty() ? seen.version() : tombstones.append(missing, System.currentTimeMillis());
    }

    /** Of one key's tombstones, the newest that comes after {@code sequence} in the same log, or null. */
    static String newestAfter(List<String> tombstones, String sequence) {
        String newest = null;
        for (String t : tombstones) {
            if (SourceSequence.isAfter(t, sequence) && (newest == null || SourceSequence.isAfter(t, newest))) {
                newest = t;
            }
        }
        return newest;
    }

    /** Whether one of a key's tombstones is at or after {@code sequence} (a delete there needs no new one). */
    static boolean holdsAt(List<String> tombstones, String sequence) {
        return tombstones.stream().anyMatch(t -> t.equals(sequence) || SourceSequence.isAfter(t, sequence));
    }

    /**
     * Every tombstone the table holds now, to {@code each}, file by file (not in key order); returns the version read
     * (-1: there is no tombstone table yet). For a rebuild that walks the whole table ({@code --replace}, a backfill):
     * the caller sorts them with its own bounded state.
     */
    long readAll(java.util.function.Consumer<Tombstone> each) {
        Snapshot snapshot = deltaLog.update();
        if (snapshot.getVersion() < 0) {
            return -1;
        }
        Schema schema = spec.rowSchema();
        int sequence = schema.getField(SourceSequence.COLUMN).pos();
        for (AddFile f : snapshot.getAllFiles()) {
            files.read(spec.path(), f.getPath(), schema, row -> each.accept(new Tombstone(BusinessKey.of(row, spec.keyColumns()),
                    row.get(sequence).toString())));
        }
        return snapshot.getVersion();
    }

    /**
     * Files of new tombstones, written as they come (in key order when the caller's rows are): for a rebuild whose
     * deletes are too many to hold. {@link Writer#commit} commits them; {@link Writer#abandon} deletes them.
     */
    Writer writer(long nowMillis) {
        return new Writer(nowMillis);
    }

    /** New tombstones streamed into files of the tombstone table, then committed in one version. */
    final class Writer {
        private final long nowMillis;
        private final RollingFiles out;
        private long count;

        private Writer(long nowMillis) {
            this.nowMillis = nowMillis;
            this.out = new RollingFiles(files, spec.path(), spec.rowSchema(), Optional.empty(), spec.keyColumns(),
                    UpsertPlanner.DEFAULT_TARGET_FILE_BYTES);
        }

        void write(Tombstone t) {
            out.write(null, row(spec.rowSchema(), t, nowMillis));
            count++;
        }

        /** Tombstones written so far. */
        long count() {
            return count;
        }

        /**
         * Commits the files written (none: nothing committed) and returns the tombstone table's version that holds them,
         * or {@code current} when there were none.
         */
        long commit(long current) {
            List<ParquetFiles.WrittenFile> written = out.close();
            if (written.isEmpty()) {
                return current;
            }
            return commitFiles(written, nowMillis, written.stream().mapToLong(ParquetFiles.WrittenFile::rows).sum());
        }

        void abandon() {
            out.abandon();
        }
    }

    /** The tombstones of these keys: only files whose key statistics may hold one of them are read. */
    Seen lookup(Collection<BusinessKey> keys) {
        Snapshot snapshot = deltaLog.update();
        if (snapshot.getVersion() < 0 || keys.isEmpty()) {
            return new Seen(Map.of(), snapshot.getVersion());
        }
        Set<BusinessKey> wanted = new HashSet<>(keys);
        UpsertPruner pruner = new UpsertPruner(spec, wanted);
        Schema schema = spec.rowSchema();
        int sequence = schema.getField(SourceSequence.COLUMN).pos();
        Map<BusinessKey, List<String>> found = new HashMap<>();
        for (AddFile f : snapshot.getAllFiles()) {
            if (!pruner.mayHoldAny(f)) {
                continue;
            }
            files.read(spec.path(), f.getPath(), schema, row -> {
                BusinessKey key = BusinessKey.of(row, spec.keyColumns());
                if (wanted.contains(key)) {
                    List<String> held = found.computeIfAbsent(key, k -> new ArrayList<>(1));
                    String s = row.get(sequence).toString();
                    if (!held.contains(s)) {
                        held.add(s);
                    }
                }
            });
        }
        return new Seen(found, snapshot.getVersion());
    }

    /**
     * Commits the tombstones in one file (key order) and returns the tombstone table's version that holds them. Creates
     * the table with its first tombstones, and records this sink's retention when the table holds another.
     *
     * @throws UncheckedIOException the commit failed and may have landed: the file stays (vacuum removes it if not)
     */
    long append(List<Tombstone> tombstones, long nowMillis) {
        List<Tombstone> sorted = new ArrayList<>(tombstones);
        sorted.sort((a, b) -> a.key().compareTo(b.key()));
        Schema schema = spec.rowSchema();
        ParquetFiles.WrittenFile file = files.writeFile(spec.path(), "", Map.of(), schema, spec.keyColumns(),
                sink -> sorted.forEach(t -> sink.accept(row(schema, t, nowMillis))));
        return commitFiles(List.of(file), nowMillis, sorted.size());
    }

    private long commitFiles(List<ParquetFiles.WrittenFile> written, long nowMillis, long keys) {
        List<Action> adds = new ArrayList<>();
        for (ParquetFiles.WrittenFile file : written) {
            adds.add(new AddFile(file.path(), Map.of(), file.size(), nowMillis, true, file.stats(), Map.of()));
        }
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            OptimisticTransaction txn = deltaLog.startTransaction();
            metadataUpdate(txn).ifPresent(txn::updateMetadata);
            try {
                long version = txn.commit(adds, new Operation(Operation.Name.WRITE, Map.of("mode", "\"Append\"")),
                        DeltaTable.ENGINE_INFO).getVersion();
                log.debug("tombstones committed table={} version={} keys={}", spec.name(), version, keys);
                return version;
            } catch (DeltaConcurrentModificationException e) {
                // Another writer created the table or recorded its retention first: append on top of it.
                log.debug("tombstone commit conflicts, retrying table={} attempt={} conflict={}", spec.name(), attempt, e.getClass().getSimpleName());
            } catch (RuntimeException e) {
                // The version may have landed: its file must stay. The batch is read again and writes its own.
                throw new UncheckedIOException(new IOException("tombstone commit of " + spec.name() + " failed: " + e, e));
            }
        }
        files.deleteQuietly(spec.path(), written.stream().map(ParquetFiles.WrittenFile::path).toList());
        throw new TransientSinkException("tombstones of " + spec.name() + ": " + ATTEMPTS + " commit attempts lost to concurrent writers", null);
    }

    private Optional<Metadata> metadataUpdate(OptimisticTransaction txn) {
        if (txn.readVersion() < 0) {
            Map<String, String> config = new HashMap<>();
            config.put(DeltaTable.AVRO_SCHEMA, spec.rowSchema().toString());
            config.put(DeltaTable.KEYS, String.join(",", spec.keyColumns()));
            config.put(RETENTION, (retention == null ? DEFAULT_RETENTION : retention).toString());
            StructType schema = DeltaSchemas.toDelta(spec.rowSchema());
            return Optional.of(Metadata.builder().id(UUID.randomUUID().toString()).name(spec.name())
                    .description("meshspine tombstones (deleted keys) of " + spec.name().substring(0, spec.name().length() - DIR.length() - 1))
                    .partitionColumns(List.of()).configuration(config).createdTime(System.currentTimeMillis()).schema(schema).build());
        }
        Metadata existing = txn.metadata();
        if (retention == null || retention.toString().equals(existing.getConfiguration().get(RETENTION))) {
            return Optional.empty();
        }
        Map<String, String> merged = new HashMap<>(existing.getConfiguration());
        merged.put(RETENTION, retention.toString());
        return Optional.of(existing.copyBuilder().configuration(merged).build());
    }

    private GenericRecord row(Schema schema, Tombstone t, long nowMillis) {
        GenericData.Record r = new GenericData.Record(schema);
        List<String> keys = spec.keyColumns();
        for (int i = 0; i < keys.size(); i++) {
            r.put(i, avroValue(DeltaSchemas.nonNull(keys.get(i), schema.getField(keys.get(i)).schema()), t.key().values().get(i)));
        }
        r.put(SourceSequence.COLUMN, t.sequence());
        r.put(DELETED_AT, nowMillis);
        return r;
    }

    /** A key value as {@link BusinessKey} normalized it, back in its column's Avro form (ints were widened to long). */
    private static Object avroValue(Schema s, Object v) {
        if (v instanceof Long l && s.getType() == Schema.Type.INT) {
            return l.intValue();
        }
        if (v instanceof ByteBuffer b) {
            return b.duplicate();
        }
        return v;
    }

    /**
     * Drops the tombstones committed longer ago than the retention recorded in the table, and merges the rest (and the
     * small files) in key order into files of about the target size, keeping per key only the newest tombstone of each
     * source log. Files whose tombstones all expired are removed without being read. A concurrent compaction that removed
     * one of these files first wins: this one then changes nothing. Appends beside it are not affected (they add files).
     */
    public static Compaction compact(String tablePath, Configuration conf, long nowMillis, long targetFileBytes, long sortMemoryBytes) {
        String table = path(tablePath);
        DeltaLog deltaLog = DeltaLog.forTable(conf, table);
        OptimisticTransaction txn = deltaLog.startTransaction();
        if (txn.readVersion() < 0) {
            return Compaction.nothing();
        }
        Map<String, String> config = txn.metadata().getConfiguration();
        Schema schema = new Schema.Parser().parse(config.get(DeltaTable.AVRO_SCHEMA));
        List<String> keyColumns = List.of(config.get(DeltaTable.KEYS).split(","));
        Duration retention = Duration.parse(config.getOrDefault(RETENTION, DEFAULT_RETENTION.toString()));
        long cutoff = nowMillis - retention.toMillis();

        List<AddFile> expired = new ArrayList<>();
        List<AddFile> rewrite = new ArrayList<>();
        long expiredRows = 0;
        int small = 0;
        boolean partlyExpired = false;
        for (AddFile f : deltaLog.getSnapshotForVersionAsOf(txn.readVersion()).getAllFiles()) {
            FileStats.Parsed stats = FileStats.Parsed.of(f.getStats());
            Comparable<?> oldest = stats.min(DELETED_AT, StatValue.of(schema.getField(DELETED_AT).schema()));
            Comparable<?> newest = stats.max(DELETED_AT, StatValue.of(schema.getField(DELETED_AT).schema()));
            if (newest instanceof Long n && n < cutoff) {
                expired.add(f);
                expiredRows += Math.max(0, stats.numRecords());
                continue;
            }
            boolean old = !(oldest instanceof Long o) || o < cutoff;
            partlyExpired |= old;
            if (old || f.getSize() < targetFileBytes / 2) {
                rewrite.add(f);
                small += f.getSize() < targetFileBytes / 2 ? 1 : 0;
            }
        }
        if (!partlyExpired && small < 2) {
            rewrite.clear(); // nothing to merge and nothing expired inside a file
        }
        if (expired.isEmpty() && rewrite.isEmpty()) {
            return Compaction.nothing();
        }
        ParquetFiles files = new ParquetFiles(conf);
        RollingFiles out = new RollingFiles(files, table, schema, Optional.empty(), keyColumns, targetFileBytes);
        long[] counts = new long[2]; // kept, dropped inside the files read
        List<ParquetFiles.WrittenFile> written = List.of();
        boolean committed = false;
        try {
            if (!rewrite.isEmpty()) {
                int sequence = schema.getField(SourceSequence.COLUMN).pos();
                int deletedAt = schema.getField(DELETED_AT).pos();
                try (KeySort sort = new KeySort(schema, keyColumns, sortMemoryBytes)) {
                    for (AddFile f : rewrite) {
                        files.read(table, f.getPath(), schema, row -> {
                            if ((Long) row.get(deletedAt) < cutoff) {
                                counts[1]++;
                            } else {
                                sort.add(row);
                            }
                        });
                    }
                    List<GenericRecord> group = new ArrayList<>();
                    sort.drain(row -> {
                        if (!group.isEmpty() && BusinessKey.of(group.get(0), keyColumns).compareTo(BusinessKey.of(row, keyColumns)) != 0) {
                            writeNewest(group, sequence, deletedAt, out, counts);
                            group.clear();
                        }
                        group.add(row);
                    });
                    writeNewest(group, sequence, deletedAt, out, counts);
                }
            }
            written = out.close();
            long now = System.currentTimeMillis();
            List<Action> actions = new ArrayList<>();
            for (ParquetFiles.WrittenFile w : written) {
                actions.add(new AddFile(w.path(), Map.of(), w.size(), now, false, w.stats(), Map.of()));
            }
            expired.forEach(f -> actions.add(f.remove(now, false)));
            rewrite.forEach(f -> actions.add(f.remove(now, false)));
            long version;
            try {
                version = txn.commit(actions, new Operation(Operation.Name.MANUAL_UPDATE, Map.of("operation", "\"tombstone-compaction\"",
                        "retention", "\"" + retention + "\"")), DeltaTable.ENGINE_INFO).getVersion();
            } catch (DeltaConcurrentModificationException e) {
                throw e;
            } catch (RuntimeException e) {
                // The version may have landed and reference these files: they stay (vacuum removes them if it did not).
                committed = true;
                throw e;
            }
            committed = true;
            Compaction c = new Compaction(version, expired.size() + rewrite.size(), written.size(), counts[0], counts[1] + expiredRows);
            log.info("tombstones compacted table={} version={} filesRemoved={} filesAdded={} kept={} dropped={} retention={}", table, version,
                    c.filesRemoved(), c.filesAdded(), c.kept(), c.dropped(), retention);
            return c;
        } catch (DeltaConcurrentModificationException e) {
            log.info("tombstone compaction lost to a concurrent compaction, nothing changed table={} conflict={}", table, e.getClass().getSimpleName());
            return Compaction.nothing();
        } catch (RuntimeException e) {
            if (!committed) {
                out.abandon();
            }
            throw e;
        } finally {
            if (!committed) {
                files.deleteQuietly(table, written.stream().map(ParquetFiles.WrittenFile::path).toList());
            }
        }
    }

    /**
     * One key's tombstones: only the newest of each source log is needed (an older one can only rule out changes the
     * newer rules out too); of equal sequences, the one committed last. Sequences of different logs are all kept.
     */
    private static void writeNewest(List<GenericRecord> group, int sequence, int deletedAt, RollingFiles out, long[] counts) {
        Map<String, GenericRecord> bySequence = new LinkedHashMap<>();
        for (GenericRecord t : group) {
            bySequence.merge(t.get(sequence).toString(), t, (a, b) -> (Long) b.get(deletedAt) > (Long) a.get(deletedAt) ? b : a);
        }
        counts[1] += group.size() - bySequence.size();
        for (Map.Entry<String, GenericRecord> e : bySequence.entrySet()) {
            if (bySequence.keySet().stream().anyMatch(other -> SourceSequence.isAfter(other, e.getKey()))) {
                counts[1]++;
            } else {
                out.write(null, e.getValue());
                counts[0]++;
            }
        }
    }
}
