package io.meshspine.sink.internal;

import io.delta.kernel.Table;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.meshspine.sink.BatchTrigger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tombstones' retention: compaction merges an upsert table's tombstone files, keeping the newest tombstone of each
 * key, and drops those committed longer ago than the recorded retention; after that, a change older than the delete is
 * no longer ruled out. Read back with Delta Kernel and through the sink's own lookup.
 */
class TombstonesTest {

    private static final long T0 = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;

    @Test
    void compaction_keeps_the_newest_tombstone_per_key_and_drops_those_older_than_the_retention(@TempDir Path dir) {
        Configuration conf = Hadoop.configuration(Map.of());
        Schema row = SchemaBuilder.record("Row").namespace("io.meshspine.sink.tombstones").fields()
                .name("k").type().stringType().noDefault().name("note").type().stringType().noDefault()
                .name(SourceSequence.COLUMN).type().optional().stringType().endRecord();
        String uri = Hadoop.qualify(dir.resolve("t").toString());
        TableSpec spec = new TableSpec("silver/tombstones/t_v1", uri, TableKind.SILVER_UPSERT, "tombstones.topic", null, row,
                Optional.empty(), List.of("k"), BatchTrigger.DEFAULT);
        Tombstones tombstones = new Tombstones(spec, conf, new ParquetFiles(conf), Duration.ofHours(2));

        tombstones.append(List.of(tombstone("a", 100), tombstone("b", 100)), T0);
        tombstones.append(List.of(tombstone("a", 150), tombstone("c", 100)), T0 + 90 * MINUTE);
        // The same delete of a again (a batch read twice after a crash), and d.
        tombstones.append(List.of(tombstone("a", 150), tombstone("d", 100)), T0 + 100 * MINUTE);

        Tombstones.Compaction merged = Tombstones.compact(uri, conf, T0 + 60 * MINUTE, 128L << 20, 1L << 20);
        assertThat(merged.filesRemoved()).isEqualTo(3);
        assertThat(merged.filesAdded()).isEqualTo(1);
        assertThat(merged.kept()).as("a@150, b, c, d").isEqualTo(4);
        assertThat(merged.dropped()).as("a@100 (older than a@150) and the second a@150").isEqualTo(2);
        assertThat(kernelKeys(Tombstones.path(uri))).containsExactlyInAnyOrder("a", "b", "c", "d");
        Tombstones.Seen seen = tombstones.lookup(List.of(key("a"), key("b"), key("e")));
        assertThat(seen.after(key("a"), sequence(120))).isEqualTo(sequence(150));
        assertThat(seen.after(key("a"), sequence(160))).as("a newer change of a applies").isNull();
        assertThat(seen.after(key("b"), sequence(50))).isEqualTo(sequence(100));
        assertThat(seen.after(key("e"), sequence(1))).isNull();

        // Two hours after b's delete was committed, its tombstone goes; a's (committed later) stays.
        Tombstones.Compaction expired = Tombstones.compact(uri, conf, T0 + 121 * MINUTE, 128L << 20, 1L << 20);
        assertThat(expired.dropped()).isEqualTo(1);
        assertThat(expired.kept()).isEqualTo(3);
        assertThat(kernelKeys(Tombstones.path(uri))).containsExactlyInAnyOrder("a", "c", "d");
        assertThat(tombstones.lookup(List.of(key("b"))).after(key("b"), sequence(50)))
                .as("after the retention a change older than b's delete would apply again").isNull();
        assertThat(tombstones.lookup(List.of(key("a"))).after(key("a"), sequence(120))).isEqualTo(sequence(150));

        // Once every tombstone of a file expired, the file goes unread.
        Tombstones.Compaction all = Tombstones.compact(uri, conf, T0 + 240 * MINUTE, 128L << 20, 1L << 20);
        assertThat(all.filesRemoved()).isEqualTo(1);
        assertThat(all.filesAdded()).isZero();
        assertThat(all.dropped()).isEqualTo(3);
        assertThat(kernelKeys(Tombstones.path(uri))).isEmpty();
        assertThat(Tombstones.compact(uri, conf, T0 + 241 * MINUTE, 128L << 20, 1L << 20).version()).as("nothing left to do").isNegative();
    }

    private static BusinessKey key(String k) {
        return new BusinessKey(List.<Comparable<?>>of(k));
    }

    private static String sequence(long lsn) {
        return SourceSequence.of("postgres:crm:" + lsn).orElseThrow();
    }

    private static Tombstones.Tombstone tombstone(String k, long lsn) {
        return new Tombstones.Tombstone(key(k), sequence(lsn));
    }

    private static List<String> kernelKeys(String path) {
        var engine = DefaultEngine.create(new Configuration());
        return KernelRows.column(engine, Table.forPath(engine, path).getLatestSnapshot(engine), "k");
    }
}
