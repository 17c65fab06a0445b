package io.meshspine.sink.internal;

import io.delta.standalone.actions.AddFile;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which files of an upsert table may hold a key of a batch, from their Delta statistics: for every key column (any
 * type a contract may declare: string, uuid, int, long, decimal, date, timestamp, and compound keys) the batch's values
 * in the statistics' order; a file is skipped as soon as one key column has no batch value within its min/max, or its
 * partition cannot hold a key (when the partition column is part of the key). Conservative: a file without usable
 * statistics for a column may hold any key.
 */
final class UpsertPruner {

    @SuppressWarnings("rawtypes")
    private record KeyColumn(String name, StatValue kind, TreeSet<Comparable> values) {
    }

    private final List<KeyColumn> columns = new ArrayList<>();
    private final String partitionKey;
    private final Set<String> partitions = new HashSet<>();

    @SuppressWarnings({"rawtypes", "unchecked"})
    UpsertPruner(TableSpec spec, Collection<BusinessKey> keys) {
        Schema row = spec.rowSchema();
        List<String> keyColumns = spec.keyColumns();
        for (int i = 0; i < keyColumns.size(); i++) {
            String name = keyColumns.get(i);
            Schema s = DeltaSchemas.nonNull(name, row.getField(name).schema());
            StatValue kind = StatValue.of(s);
            TreeSet<Comparable> values = new TreeSet<>();
            boolean prunable = kind != StatValue.NONE && kind != StatValue.NULL_COUNT_ONLY;
            for (BusinessKey k : keys) {
                Object v = k.values().get(i);
                Comparable c = v == null ? null : kind.fromAvro(v, s);
                if (c == null) {
                    prunable = false; // a null (or NaN) key part: files are not pruned on this column
                    break;
                }
                values.add(c);
            }
            if (prunable && !values.isEmpty()) {
                columns.add(new KeyColumn(name, kind, values));
            }
        }
        // A partition column that is part of the key pins each key to one partition: other partitions cannot hold it.
        partitionKey = spec.partitionColumn().filter(keyColumns::contains).orElse(null);
        if (partitionKey != null) {
            Schema ps = DeltaSchemas.nonNull(partitionKey, row.getField(partitionKey).schema());
            int pos = keyColumns.indexOf(partitionKey);
            keys.forEach(k -> partitions.add(ParquetFiles.partitionValue(ps, k.values().get(pos) instanceof Long l
                    && ps.getType() == Schema.Type.INT ? (Object) l.intValue() : k.values().get(pos))));
        }
    }

    /** The key columns files are pruned on (those whose batch values all have statistics). */
    List<String> prunedOn() {
        return columns.stream().map(KeyColumn::name).toList();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    boolean mayHoldAny(AddFile f) {
        if (partitionKey != null && !partitions.contains(f.getPartitionValues().get(partitionKey))) {
            return false;
        }
        if (columns.isEmpty()) {
            return true;
        }
        FileStats.Parsed stats = FileStats.Parsed.of(f.getStats());
        for (KeyColumn c : columns) {
            Comparable min;
            Comparable max;
            try {
                min = stats.min(c.name(), c.kind());
                max = stats.max(c.name(), c.kind());
            } catch (RuntimeException e) {
                continue; // statistics written in another form: this column cannot rule the file out
            }
            if (min == null || max == null) {
                continue;
            }
            Comparable candidate = c.values().ceiling(min);
            if (candidate == null || candidate.compareTo(max) > 0) {
                return false;
            }
        }
        return true;
    }
}
