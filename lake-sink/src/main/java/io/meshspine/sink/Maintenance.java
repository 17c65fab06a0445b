package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.Metadata;
import io.delta.standalone.actions.RemoveFile;
import io.delta.standalone.exceptions.DeltaConcurrentModificationException;
import io.delta.standalone.internal.DeltaLogImpl;
import io.delta.standalone.internal.SnapshotImpl;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.KeyClusteredCompaction;
import io.meshspine.sink.internal.TableKind;
import io.meshspine.sink.internal.Tombstones;
import io.meshspine.sink.internal.ParquetFiles;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Table upkeep that runs beside a writing sink without losing data: compaction (small files bin-packed into
 * target-size files, committed with dataChange=false so streaming readers skip it), checkpoints, and vacuum (files no
 * version within the retention references, orphans of failed or superseded attempts included; delta-standalone has
 * no VACUUM of its own).
 */
public final class Maintenance {

    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

    /** Below this, vacuum could delete a file a running writer has written but not yet committed. */
    public static final Duration MIN_SAFE_RETENTION = Duration.ofHours(1);
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final long DEFAULT_TARGET_FILE_BYTES = 128L * 1024 * 1024;

    /** @param sortSpills sorted runs an upsert table's key sort spilled to temporary files (0: it sorted in memory) */
    public record Compaction(long version, int filesRemoved, int filesAdded, long rows, int sortSpills) {
        public static Compaction nothing() {
            return new Compaction(-1, 0, 0, 0, 0);
        }
    }

    public record Vacuum(int filesDeleted, long bytesDeleted) {
    }

    private Maintenance() {
    }

    /**
     * Bin-packs the files smaller than the target, per partition, into files of about the target size; an upsert
     * table's small files of a partition are instead merged in business-key order into target-size files with disjoint
     * key ranges ({@link KeyClusteredCompaction}). A concurrent commit that removed one of these files wins: compaction
     * then gives up this round (nothing lost, nothing changed).
     */
    public static Compaction compact(String tablePath, long targetFileBytes, Map<String, String> hadoop) {
        return compact(tablePath, targetFileBytes, KeyClusteredCompaction.DEFAULT_SORT_MEMORY_BYTES, hadoop);
    }

    /** As {@link #compact(String, long, Map)}, with the memory an upsert table's key sort may hold before it spills. */
    public static Compaction compact(String tablePath, long targetFileBytes, long sortMemoryBytes, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        String table = Hadoop.qualify(tablePath);
        DeltaLog deltaLog = DeltaLog.forTable(conf, table);
        OptimisticTransaction txn = deltaLog.startTransaction();
        if (txn.readVersion() < 0) {
            return Compaction.nothing();
        }
        Metadata metadata = txn.metadata();
        String avro = metadata.getConfiguration().get(DeltaTable.AVRO_SCHEMA);
        if (avro == null) {
            throw new IllegalArgumentException("table " + table + " was not written by the meshspine sink (no " + DeltaTable.AVRO_SCHEMA + ")");
        }
        Schema schema = new Schema.Parser().parse(avro);
        String keys = metadata.getConfiguration().getOrDefault(DeltaTable.KEYS, "");
        List<String> keyColumns = keys.isBlank() ? List.of() : Arrays.asList(keys.split(","));
        boolean clustered = TableKind.SILVER_UPSERT.label().equals(metadata.getConfiguration().get(DeltaTable.KIND)) && !keyColumns.isEmpty();
        Optional<String> partitionColumn = metadata.getPartitionColumns().stream().findFirst();

        Map<Map<String, String>, List<AddFile>> small = new LinkedHashMap<>();
        for (AddFile f : deltaLog.getSnapshotForVersionAsOf(txn.readVersion()).getAllFiles()) {
            if (f.getSize() < targetFileBytes) {
                small.computeIfAbsent(f.getPartitionValues(), p -> new ArrayList<>()).add(f);
            }
        }
        ParquetFiles files = new ParquetFiles(conf);
        List<Action> actions = new ArrayList<>();
        List<String> written = new ArrayList<>();
        int removed = 0;
        long rows = 0;
        int spills = 0;
        boolean committed = false;
        try {
            for (List<AddFile> group : small.values()) {
                if (clustered) {
                    if (!KeyClusteredCompaction.worthRewriting(group, keyColumns, schema, targetFileBytes)) {
                        continue;
                    }
                    String partitionValue = partitionColumn.map(c -> group.get(0).getPartitionValues().get(c)).orElse(null);
                    KeyClusteredCompaction.Result r = KeyClusteredCompaction.rewrite(files, table, schema, partitionColumn, partitionValue,
                            keyColumns, group, targetFileBytes, sortMemoryBytes);
                    long now = System.currentTimeMillis();
                    for (ParquetFiles.WrittenFile out : r.files()) {
                        written.add(out.path());
                        actions.add(new AddFile(out.path(), out.partitionValues(), out.size(), now, false, out.stats(), Map.of()));
                        rows += out.rows();
                    }
                    group.forEach(f -> actions.add(f.remove(now, false)));
                    removed += group.size();
                    spills += r.spills();
                    continue;
                }
                for (List<AddFile> bin : bins(group, targetFileBytes)) {
                    String logPath = bin.get(0).getPath();
                    String dir = logPath.contains("/") ? logPath.substring(0, logPath.lastIndexOf('/') + 1).replace("%25", "%") : "";
                    ParquetFiles.WrittenFile out = files.writeFile(table, dir, bin.get(0).getPartitionValues(), schema, keyColumns,
                            sink -> bin.forEach(f -> files.read(table, f.getPath(), schema, sink)));
                    written.add(out.path());
                    long now = System.currentTimeMillis();
                    actions.add(new AddFile(out.path(), out.partitionValues(), out.size(), now, false, out.stats(), Map.of()));
                    bin.forEach(f -> actions.add(f.remove(now, false)));
                    removed += bin.size();
                    rows += out.rows();
                }
            }
            if (written.isEmpty()) {
                return Compaction.nothing();
            }
            long version = txn.commit(actions, new Operation(Operation.Name.MANUAL_UPDATE, Map.of("operation", "\"compaction\"",
                    "targetFileBytes", Long.toString(targetFileBytes))), DeltaTable.ENGINE_INFO).getVersion();
            committed = true;
            log.info("compacted table={} version={} filesRemoved={} filesAdded={} rows={} keyClustered={} sortSpills={}", table, version, removed,
                    written.size(), rows, clustered, spills);
            return new Compaction(version, removed, written.size(), rows, spills);
        } catch (DeltaConcurrentModificationException e) {
            log.info("compaction lost to a concurrent commit, nothing changed table={} conflict={}", table, e.getClass().getSimpleName());
            return Compaction.nothing();
        } finally {
            if (!committed) {
                files.deleteQuietly(table, written);
            }
        }
    }

    /**
     * Compaction of an upsert table's tombstones ({@link Tombstones}): those committed longer ago than the retention the
     * sink recorded ({@code sink.tombstone-retention}) are dropped, the rest merged in key order into target-size files.
     * Nothing to do for a table without tombstones.
     */
    public static Tombstones.Compaction compactTombstones(String tablePath, Map<String, String> hadoop) {
        return compactTombstones(tablePath, java.time.Instant.now(), hadoop);
    }

    /** As {@link #compactTombstones(String, Map)}, as if it were {@code now}: what expires when. */
    public static Tombstones.Compaction compactTombstones(String tablePath, java.time.Instant now, Map<String, String> hadoop) {
        return Tombstones.compact(Hadoop.qualify(tablePath), Hadoop.configuration(hadoop), now.toEpochMilli(), DEFAULT_TARGET_FILE_BYTES,
                KeyClusteredCompaction.DEFAULT_SORT_MEMORY_BYTES);
    }

    /** First-fit decreasing: bins of about the target size; a bin of one file is left alone. */
    private static List<List<AddFile>> bins(List<AddFile> files, long target) {
        List<AddFile> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparingLong(AddFile::getSize).reversed());
        List<List<AddFile>> bins = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        for (AddFile f : sorted) {
            int i = 0;
            while (i < bins.size() && sizes.get(i) + f.getSize() > target) {
                i++;
            }
            if (i == bins.size()) {
                bins.add(new ArrayList<>());
                sizes.add(0L);
            }
            bins.get(i).add(f);
            sizes.set(i, sizes.get(i) + f.getSize());
        }
        return bins.stream().filter(b -> b.size() > 1).toList();
    }

    /**
     * Writes a checkpoint of the latest version, so readers replay at most the commits after it (and one of the table's
     * tombstones, if it has any).
     */
    public static long checkpoint(String tablePath, Map<String, String> hadoop) {
        long version = checkpointLog(Hadoop.qualify(tablePath), hadoop);
        if (version >= 0) {
            checkpointLog(Tombstones.path(Hadoop.qualify(tablePath)), hadoop);
        }
        return version;
    }

    private static long checkpointLog(String table, Map<String, String> hadoop) {
        DeltaLogImpl deltaLog = (DeltaLogImpl) DeltaLog.forTable(Hadoop.configuration(hadoop), table);
        SnapshotImpl snapshot = deltaLog.update();
        if (snapshot.getVersion() < 0) {
            return -1;
        }
        deltaLog.checkpoint(snapshot);
        log.info("checkpointed table={} version={}", table, snapshot.getVersion());
        return snapshot.getVersion();
    }

    /**
     * Deletes unreferenced files older than the retention; refuses a retention that could race a running writer: under
     * {@link #MIN_SAFE_RETENTION}, or under the floor the table's sink recorded ({@link DeltaTable#MIN_VACUUM_RETENTION}).
     */
    public static Vacuum vacuum(String tablePath, Duration retention, Map<String, String> hadoop) {
        if (retention.compareTo(MIN_SAFE_RETENTION) < 0) {
            throw new IllegalArgumentException("vacuum retention " + retention + " is below " + MIN_SAFE_RETENTION
                    + ": a running sink's uncommitted files could be deleted; use vacuumWithNoWriterRunning");
        }
        return vacuumFiles(tablePath, retention, hadoop, true);
    }

    /** Vacuum with any retention, zero included: only when no writer is running on the table. */
    public static Vacuum vacuumWithNoWriterRunning(String tablePath, Duration retention, Map<String, String> hadoop) {
        return vacuumFiles(tablePath, retention, hadoop, false);
    }

    private static Vacuum vacuumFiles(String tablePath, Duration retention, Map<String, String> hadoop, boolean writerMayRun) {
        Configuration conf = Hadoop.configuration(hadoop);
        String table = Hadoop.qualify(tablePath);
        DeltaLog deltaLog = DeltaLog.forTable(conf, table);
        SnapshotImpl snapshot = (SnapshotImpl) deltaLog.update();
        if (snapshot.getVersion() < 0) {
            return new Vacuum(0, 0);
        }
        String floor = snapshot.getMetadata().getConfiguration().get(DeltaTable.MIN_VACUUM_RETENTION);
        if (writerMayRun && floor != null && retention.compareTo(Duration.parse(floor)) < 0) {
            throw new IllegalArgumentException("vacuum retention " + retention + " of " + table + " is below " + floor
                    + ", the longest its sink's batches can stay uncommitted (twice): files about to be committed could be"
                    + " deleted; use --no-writer-running only when no sink writes the table");
        }
        long cutoff = System.currentTimeMillis() - retention.toMillis();
        Set<String> keep = new HashSet<>();
        for (AddFile f : snapshot.getAllFiles()) {
            keep.add(relative(f.getPath()));
        }
        // Files removed within the retention stay for time travel to the versions that still list them.
        for (RemoveFile r : scala.jdk.javaapi.CollectionConverters.asJava(snapshot.tombstones())) {
            if (r.getDeletionTimestamp().orElse(Long.MAX_VALUE) > cutoff) {
                keep.add(relative(r.getPath()));
            }
        }
        int deleted = 0;
        long bytes = 0;
        try {
            Path root = new Path(table);
            FileSystem fs = root.getFileSystem(conf);
            String rootPrefix = fs.makeQualified(root).toUri().getPath();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
            List<FileStatus> candidates = new ArrayList<>();
            while (it.hasNext()) {
                LocatedFileStatus s = it.next();
                String rel = s.getPath().toUri().getPath().substring(rootPrefix.length() + 1);
                if (rel.startsWith("_delta_log/") || rel.startsWith("_") && !rel.contains("=")) {
                    continue;
                }
                String name = s.getPath().getName();
                String dataFile = name.startsWith(".") && name.endsWith(".crc")
                        ? rel.substring(0, rel.length() - name.length()) + name.substring(1, name.length() - 4) : rel;
                if (!keep.contains(dataFile) && s.getModificationTime() < cutoff) {
                    candidates.add(s);
                }
            }
            for (FileStatus s : candidates) {
                if (fs.delete(s.getPath(), false)) {
                    deleted++;
                    bytes += s.getLen();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("vacuum of " + table + " failed", e);
        }
        log.info("vacuumed table={} filesDeleted={} bytesDeleted={} retention={}", table, deleted, bytes, retention);
        if (!table.endsWith("/" + Tombstones.DIR)) {
            // The tombstones' own files (skipped above: their directory starts with '_'), under the same retention.
            Vacuum tombstones = vacuumFiles(Tombstones.path(table), retention, hadoop, false);
            deleted += tombstones.filesDeleted();
            bytes += tombstones.bytesDeleted();
        }
        return new Vacuum(deleted, bytes);
    }

    /** A log path (URI-encoded, relative to the table) as the file's path relative to the table root. */
    private static String relative(String logPath) {
        return URI.create(logPath).getPath();
    }
}
