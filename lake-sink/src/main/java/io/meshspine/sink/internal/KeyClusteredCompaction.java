package io.meshspine.sink.internal;

import io.delta.standalone.actions.AddFile;
import org.apache.avro.Schema;

import java.util.List;
import java.util.Optional;

/**
 * Compaction of one partition of an upsert table: its small files merged in business-key order ({@link KeySort},
 * bounded memory) into files of about the target size, so each new file holds a narrow key range, disjoint from the
 * others', and an upsert batch's pruning ({@link UpsertPruner}) rewrites few of them. Plain bin-packing would keep the
 * input files' interleaved ranges: every output file spanning most keys.
 */
public final class KeyClusteredCompaction {

    /** What the key sort holds in memory before it spills a sorted run to a temporary file. */
    public static final long DEFAULT_SORT_MEMORY_BYTES = 32L * 1024 * 1024;

    /** The files written, and how many sorted runs the key sort spilled to disk. */
    public record Result(List<ParquetFiles.WrittenFile> files, int spills) {
    }

    private KeyClusteredCompaction() {
    }

    /**
     * Whether the partition's small files are worth merging: their ranges of the first key column overlap (or a file's
     * statistics cannot tell), or more than one of them is under half the target (there are files to combine). A
     * partition this compaction wrote already (disjoint ranges, every file but the last near the target) is left alone,
     * so scheduled compaction does not rewrite it again and again.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static boolean worthRewriting(List<AddFile> small, String firstKey, Schema schema, long targetBytes) {
        if (small.size() < 2) {
            return false;
        }
        if (small.stream().filter(f -> f.getSize() < targetBytes / 2).count() > 1) {
            return true;
        }
        StatValue kind = StatValue.of(DeltaSchemas.nonNull(firstKey, schema.getField(firstKey).schema()));
        if (kind == StatValue.NONE || kind == StatValue.NULL_COUNT_ONLY) {
            return true;
        }
        List<Comparable[]> ranges = new java.util.ArrayList<>();
        for (AddFile f : small) {
            Comparable min;
            Comparable max;
            try {
                FileStats.Parsed stats = FileStats.Parsed.of(f.getStats());
                min = stats.min(firstKey, kind);
                max = stats.max(firstKey, kind);
            } catch (RuntimeException e) {
                return true;
            }
            if (min == null || max == null) {
                return true;
            }
            ranges.add(new Comparable[]{min, max});
        }
        ranges.sort((a, b) -> a[0].compareTo(b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0].compareTo(ranges.get(i - 1)[1]) <= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param partitionColumn the table's partition column, if any
     * @param partitionValue  the partition's value as the log spells it (null: the null partition; ignored unpartitioned)
     */
    public static Result rewrite(ParquetFiles files, String table, Schema schema, Optional<String> partitionColumn, String partitionValue,
                                 List<String> keyColumns, List<AddFile> inputs, long targetBytes, long sortMemoryBytes) {
        RollingFiles out = new RollingFiles(files, table, schema, partitionColumn, keyColumns, targetBytes);
        try (KeySort sort = new KeySort(schema, keyColumns, sortMemoryBytes)) {
            // One input file at a time: the sort holds the rows (spilling past its memory), a reader one row group.
            for (AddFile f : inputs) {
                files.read(table, f.getPath(), schema, sort::add);
            }
            sort.drain(row -> out.write(partitionValue, row));
            return new Result(out.close(), sort.spills());
        } catch (RuntimeException e) {
            out.abandon();
            throw e;
        }
    }
}
