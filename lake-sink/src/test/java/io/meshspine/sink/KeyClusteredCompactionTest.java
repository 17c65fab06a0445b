package io.meshspine.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.ParquetFiles;
import io.meshspine.sink.internal.TableKind;
import io.meshspine.sink.internal.TableSpec;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import io.meshspine.testkit.KernelTable;

/**
 * Compaction keeps an upsert table's files clustered by key: small files whose key ranges interleave (each spans
 * nearly every key of its partition) are merged in key order, through a key sort that spills to disk past its memory,
 * into target-size files whose key ranges (their Delta statistics) are disjoint within each partition. Delta Kernel
 * reads every row once, unchanged; the sort's temporary files are gone afterwards.
 */
class KeyClusteredCompactionTest {

    private static final Schema ROW = SchemaBuilder.record("Account").namespace("io.meshspine.sink.compaction").fields()
            .requiredString("account_id").requiredString("region").requiredLong("balance").requiredString("note").endRecord();
    private static final List<String> REGIONS = List.of("north", "south");
    private static final int FILES_PER_REGION = 10;
    private static final int ROWS_PER_REGION = 8_000;

    @Test
    void interleaved_small_files_become_target_size_files_with_disjoint_key_ranges(@TempDir Path dir) throws IOException {
        String uri = Hadoop.qualify(dir.resolve("accounts").toString());
        Configuration conf = Hadoop.configuration(Map.of());
        TableSpec spec = new TableSpec("silver/compaction/accounts_v1", uri, TableKind.SILVER_UPSERT, "compaction.topic", null, ROW,
                Optional.of("region"), List.of("account_id"), BatchTrigger.DEFAULT);
        ParquetFiles files = new ParquetFiles(conf);
        Map<String, Long> expected = new HashMap<>();
        java.util.Random random = new java.util.Random(14);
        OptimisticTransaction create = new DeltaTable(spec, conf).begin();
        List<Action> adds = new ArrayList<>();
        for (String region : REGIONS) {
            for (int f = 0; f < FILES_PER_REGION; f++) {
                int file = f;
                // File f holds keys f, f + 10, f + 20, ...: each file spans nearly the region's whole key range.
                ParquetFiles.WrittenFile w = files.writeFile(uri, "region=" + region + "/", Map.of("region", region), ROW, spec.keyColumns(), sink -> {
                    for (int i = file; i < ROWS_PER_REGION; i += FILES_PER_REGION) {
                        GenericData.Record r = new GenericData.Record(ROW);
                        String id = String.format("ACC-%s-%06d", region, i);
                        r.put("account_id", id);
                        r.put("region", region);
                        r.put("balance", (long) i * 7);
                        // Random text: compresses little, so the writer's size estimate is close to the file's size.
                        r.put("note", new java.util.UUID(random.nextLong(), random.nextLong()).toString());
                        sink.accept(r);
                        expected.put(id, (long) i * 7);
                    }
                });
                adds.add(new AddFile(w.path(), w.partitionValues(), w.size(), System.currentTimeMillis(), true, w.stats(), Map.of()));
            }
        }
        create.commit(adds, new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO);
        long regionBytes = adds.stream().mapToLong(a -> ((AddFile) a).getSize()).sum() / REGIONS.size();
        List<Range> before = ranges(conf, uri);
        assertThat(before).as("the input ranges overlap").anyMatch(a -> before.stream().anyMatch(b -> a != b && a.overlaps(b)));
        List<Path> sortsBefore = sortDirectories();

        // A target of a third of a region's bytes: about three output files each; 12 KB of sort memory: ~140 runs per
        // region, past the fan-in cap (runs merged before the final merge).
        Maintenance.Compaction c = Maintenance.compact(uri, regionBytes / 3, 12 * 1024, Map.of());

        assertThat(c.filesRemoved()).isEqualTo(REGIONS.size() * FILES_PER_REGION);
        assertThat(c.rows()).isEqualTo(expected.size());
        assertThat(c.sortSpills()).as("spilled runs").isGreaterThan(2 * 64);
        List<Range> after = ranges(conf, uri);
        assertThat(after).hasSize(c.filesAdded());
        for (String region : REGIONS) {
            List<Range> inRegion = after.stream().filter(r -> r.region().equals(region)).sorted(Comparator.comparing(Range::min)).toList();
            assertThat(inRegion).as("files of " + region).hasSizeBetween(2, 8);
            for (int i = 1; i < inRegion.size(); i++) {
                assertThat(inRegion.get(i).min()).as("ranges disjoint in %s: %s", region, inRegion).isGreaterThan(inRegion.get(i - 1).max());
            }
            assertThat(inRegion.get(0).min()).isEqualTo(String.format("ACC-%s-%06d", region, 0));
            assertThat(inRegion.get(inRegion.size() - 1).max()).isEqualTo(String.format("ACC-%s-%06d", region, ROWS_PER_REGION - 1));
        }
        assertThat(after.stream().mapToLong(Range::rows).sum()).isEqualTo(expected.size());

        KernelTable.Contents table = KernelTable.read(uri);
        assertThat(table.column("account_id")).hasSize(expected.size()).doesNotHaveDuplicates();
        Map<String, Long> read = new HashMap<>();
        table.rows().forEach(r -> read.put((String) r.get("account_id"), (Long) r.get("balance")));
        assertThat(read).isEqualTo(expected);
        assertThat(table.rows()).allMatch(r -> ((String) r.get("account_id")).startsWith("ACC-" + r.get("region") + "-"));
        assertThat(sortDirectories()).as("the sort's spill files are deleted").isSubsetOf(sortsBefore);

        // Already clustered: the next scheduled compaction leaves the table alone instead of rewriting it again.
        assertThat(Maintenance.compact(uri, regionBytes / 3, 12 * 1024, Map.of()).version()).isEqualTo(-1);
    }

    private static List<Path> sortDirectories() throws IOException {
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return tmp.filter(p -> p.getFileName().toString().startsWith("meshspine-keysort")).toList();
        }
    }

    private record Range(String region, String min, String max, long rows) {
        boolean overlaps(Range o) {
            return region.equals(o.region) && min.compareTo(o.max) <= 0 && o.min.compareTo(max) <= 0;
        }
    }

    /** Every file's key range, from the statistics in the Delta log. */
    private static List<Range> ranges(Configuration conf, String uri) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Range> out = new ArrayList<>();
        for (AddFile f : DeltaLog.forTable(conf, uri).update().getAllFiles()) {
            JsonNode stats = json.readTree(f.getStats());
            out.add(new Range(f.getPartitionValues().get("region"), stats.path("minValues").path("account_id").asText(),
                    stats.path("maxValues").path("account_id").asText(), stats.path("numRecords").asLong()));
        }
        return out;
    }
}
