package io.meshspine.sink.internal;

import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.SetTransaction;
import io.delta.standalone.exceptions.ConcurrentTransactionException;
import io.delta.standalone.expressions.Literal;
import io.meshspine.sink.BatchTrigger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.meshspine.testkit.KernelTable;

/**
 * The tombstones' retention: compaction merges an upsert table's tombstone files, keeping the newest tombstone of each
 * key, and drops those committed longer ago than the recorded retention; after that, a change older than the delete is
 * no longer ruled out. Read back with Delta Kernel and through the sink's own lookup. And the guard for racing writers:
 * a commit that deletes conflicts with a writer that looked the tombstones up before they were written.
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

    @Test
    void a_commit_that_deletes_makes_a_writer_that_looked_the_tombstones_up_before_them_plan_again(@TempDir Path dir) {
        Configuration conf = Hadoop.configuration(Map.of());
        Schema row = SchemaBuilder.record("Row").namespace("io.meshspine.sink.tombstones").fields()
                .name("k").type().stringType().noDefault().name(SourceSequence.COLUMN).type().optional().stringType().endRecord();
        String uri = Hadoop.qualify(dir.resolve("t").toString());
        TableSpec spec = new TableSpec("silver/tombstones/race_v1", uri, TableKind.SILVER_UPSERT, "tombstones.topic", null, row,
                Optional.empty(), List.of("k"), BatchTrigger.DEFAULT);
        DeltaTable table = new DeltaTable(spec, conf);
        ParquetFiles files = new ParquetFiles(conf);
        Tombstones tombstones = new Tombstones(spec, conf, files, Duration.ofHours(2));
        table.begin().commit(List.of(rowFile(files, spec, "a", 100)), new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO);

        // A writer plans an older insert of x (it reads the app id, looks up: no tombstone of x yet, reads every file).
        OptimisticTransaction late = table.begin();
        late.txnVersion(Tombstones.APP_ID);
        late.markFilesAsRead(Literal.True);
        assertThat(tombstones.lookup(List.of(key("x"))).after(key("x"), sequence(240))).isNull();
        // Meanwhile another writer deletes x, which the table does not hold: its commit touches no data file.
        deletes(table, tombstones, "x", 250);
        assertThatThrownBy(() -> late.commit(List.of(rowFile(files, spec, "x", 240)), new Operation(Operation.Name.MERGE), DeltaTable.ENGINE_INFO))
                .isInstanceOf(ConcurrentTransactionException.class);
        // Planned again, it finds the tombstone.
        assertThat(tombstones.lookup(List.of(key("x"))).after(key("x"), sequence(240))).isEqualTo(sequence(250));

        // What the app id guards against: without reading it, the same race commits the insert over the delete.
        OptimisticTransaction unguarded = table.begin();
        unguarded.markFilesAsRead(Literal.True);
        deletes(table, tombstones, "y", 250);
        unguarded.commit(List.of(rowFile(files, spec, "y", 240)), new Operation(Operation.Name.MERGE), DeltaTable.ENGINE_INFO);
    }

    @Test
    void a_tombstone_retention_under_an_hour_is_refused_at_start() {
        io.meshspine.sink.SinkConfig config = io.meshspine.sink.SinkConfig.defaults("127.0.0.1:9", "http://127.0.0.1:9/apis/registry/v3");
        assertThat(config.tombstoneRetention()).isEqualTo(Duration.ofDays(30));
        assertThatThrownBy(() -> config.withTombstoneRetention(Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sink.tombstone-retention");
        assertThat(config.withTombstoneRetention(Duration.ofHours(1)).tombstoneRetention()).isEqualTo(Duration.ofHours(1));
    }

    private static void deletes(DeltaTable table, Tombstones tombstones, String k, long lsn) {
        OptimisticTransaction txn = table.begin();
        txn.txnVersion(Tombstones.APP_ID);
        txn.markFilesAsRead(Literal.True);
        long version = tombstones.append(List.of(tombstone(k, lsn)), System.currentTimeMillis());
        txn.commit(List.of(new SetTransaction(Tombstones.APP_ID, version, Optional.of(System.currentTimeMillis()))),
                new Operation(Operation.Name.MERGE), DeltaTable.ENGINE_INFO);
    }

    private static AddFile rowFile(ParquetFiles files, TableSpec spec, String k, long lsn) {
        GenericData.Record r = new GenericData.Record(spec.rowSchema());
        r.put("k", k);
        r.put(SourceSequence.COLUMN, sequence(lsn));
        ParquetFiles.WrittenFile w = files.write(spec.path(), spec.rowSchema(), Optional.empty(), spec.keyColumns(), List.of(r)).get(0);
        return new AddFile(w.path(), w.partitionValues(), w.size(), System.currentTimeMillis(), true, w.stats(), Map.of());
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
        return KernelTable.strings(path, "k");
    }
}
