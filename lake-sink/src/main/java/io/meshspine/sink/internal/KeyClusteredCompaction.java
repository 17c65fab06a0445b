package io.meshspine.sink.internal;

import io.delta.standalone.actions.AddFile;
import org.apache.avro.Schema;

import java.util.ArrayList;
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
     * Whether the partition's small files are worth merging: more than one of them is under half the target (there are
     * files to combine), or two of them overlap in key order. Overlap is judged from the statistics column by column:
     * files whose key ranges only share a boundary value of a column that is not a single value in both are taken as
     * ordered, and a key column without min/max ends the judgement (not overlapping). So a partition this compaction
     * wrote already (disjoint ranges, every file but the last near the target) is left alone, compound keys with a
     * low-cardinality first column included, and scheduled compaction does not rewrite it again and again.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static boolean worthRewriting(List<AddFile> small, List<String> keyColumns, Schema schema, long targetBytes) {
        if (small.size() < 2) {
            return false;
        }
        if (small.stream().filter(f -> f.getSize() < targetBytes / 2).count() > 1) {
            return true;
        }
        List<StatValue> kinds = new ArrayList<>();
        for (String c : keyColumns) {
            StatValue kind = StatValue.of(DeltaSchemas.nonNull(c, schema.getField(c).schema()));
            if (kind == StatValue.NONE || kind == StatValue.NULL_COUNT_ONLY) {
                break;
            }
            kinds.add(kind);
        }
        if (kinds.isEmpty()) {
            return false;
        }
        List<Comparable[][]> ranges = new ArrayList<>();
        for (AddFile f : small) {
            Comparable[][] r = new Comparable[2][kinds.size()];
            try {
                FileStats.Parsed stats = FileStats.Parsed.of(f.getStats());
                for (int j = 0; j < kinds.size(); j++) {
                    r[0][j] = stats.min(keyColumns.get(j), kinds.get(j));
                    r[1][j] = stats.max(keyColumns.get(j), kinds.get(j));
                    if (r[0][j] == null || r[1][j] == null) {
                        return true; // nulls in a key column, or no statistics: the order cannot be told
                    }
                }
            } catch (RuntimeException e) {
                return true;
            }
            ranges.add(r);
        }
        ranges.sort((a, b) -> {
            for (int j = 0; j < a[0].length; j++) {
                int c = a[0][j].compareTo(b[0][j]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        for (int i = 1; i < ranges.size(); i++) {
            if (overlap(ranges.get(i - 1), ranges.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Whether file {@code b} (its min not below {@code a}'s) may hold keys within {@code a}'s range. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static boolean overlap(Comparable[][] a, Comparable[][] b) {
        for (int j = 0; j < a[0].length; j++) {
            int c = a[1][j].compareTo(b[0][j]);
            if (c < 0) {
                return false;
            }
            if (c > 0) {
                return true;
            }
            boolean bothSingle = a[0][j].compareTo(a[1][j]) == 0 && b[0][j].compareTo(b[1][j]) == 0;
            if (!bothSingle) {
                return false; // they meet at one value of this column: ordered, as a key sort leaves them
            }
        }
        return true;
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
