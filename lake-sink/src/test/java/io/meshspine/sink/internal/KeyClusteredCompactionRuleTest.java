package io.meshspine.sink.internal;

import io.delta.standalone.actions.AddFile;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When scheduled compaction re-sorts an upsert partition: files to combine, or key ranges that overlap in key order. */
class KeyClusteredCompactionRuleTest {

    private static final Schema ROW = SchemaBuilder.record("Holding").fields().requiredString("region").requiredLong("id")
            .requiredBoolean("active").endRecord();
    private static final long TARGET = 1000;

    @Test
    void a_partition_is_rewritten_only_when_its_files_overlap_in_key_order_or_can_be_combined() {
        List<String> compound = List.of("region", "id");
        // Compound key, one region in every file (a low-cardinality first column), ids in disjoint ranges: clustered.
        assertThat(worth(compound, file("n", "n", 1, 100, 900), file("n", "n", 101, 200, 900), file("n", "n", 201, 300, 600))).isFalse();
        // The same with the id ranges interleaved: worth sorting.
        assertThat(worth(compound, file("n", "n", 1, 150, 900), file("n", "n", 100, 200, 900))).isTrue();
        // Files cut inside a region share that region as a boundary value: ordered, as a key sort leaves them.
        assertThat(worth(compound, file("a", "m", 1, 900, 900), file("m", "z", 1, 900, 900))).isFalse();
        // First column ranges crossing: overlap.
        assertThat(worth(compound, file("a", "p", 1, 900, 900), file("m", "z", 1, 900, 900))).isTrue();
        // Two files under half the target are worth combining even when ordered; one file never is.
        assertThat(worth(compound, file("a", "b", 1, 9, 400), file("c", "d", 1, 9, 300))).isTrue();
        assertThat(worth(compound, file("a", "z", 1, 9, 100))).isFalse();
        // A single key column: interleaved ranges overlap, disjoint do not.
        assertThat(worth(List.of("id"), file("n", "n", 0, 99, 900), file("n", "n", 1, 100, 900))).isTrue();
        assertThat(worth(List.of("id"), file("n", "n", 0, 99, 900), file("n", "n", 100, 199, 900))).isFalse();
        // A key whose first column has no min/max (boolean): nothing to judge the order by, only the sizes decide.
        assertThat(worth(List.of("active", "id"), file("n", "n", 0, 99, 900), file("n", "n", 1, 100, 900))).isFalse();
        // Statistics without the key column: the order cannot be told, so the partition is sorted.
        assertThat(KeyClusteredCompaction.worthRewriting(List.of(file("n", "n", 0, 9, 900),
                new AddFile("x.parquet", Map.of(), 900, 0, true, "{\"numRecords\":3}", Map.of())), List.of("id"), ROW, TARGET)).isTrue();
    }

    private static boolean worth(List<String> keys, AddFile... files) {
        return KeyClusteredCompaction.worthRewriting(List.of(files), keys, ROW, TARGET);
    }

    private static AddFile file(String minRegion, String maxRegion, long minId, long maxId, long size) {
        String stats = String.format("{\"numRecords\":10,\"minValues\":{\"region\":\"%s\",\"id\":%d},\"maxValues\":{\"region\":\"%s\",\"id\":%d},"
                + "\"nullCount\":{\"region\":0,\"id\":0,\"active\":0}}", minRegion, minId, maxRegion, maxId);
        return new AddFile("part-" + minRegion + minId + ".parquet", Map.of(), size, 0, true, stats, Map.of());
    }
}
