package io.meshspine.sink.internal;

import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.RemoveFile;
import io.meshspine.sink.BatchTrigger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A child JVM for the bounded-rewrite test, and the full-size bounded-rewrite benchmark (docs/benchmarks.md,
 * {@code lake-sink/bench/upsert-rewrite.sh}), run with a heap far smaller than the table's rows:
 * {@code <table dir> <rows> <files> <target file bytes>}. Writes an upsert table of that many rows in that many
 * key-sorted files, then commits one upsert batch touching keys in every file through the sink's {@link UpsertPlanner},
 * and prints {@code RESULT removed=<n> added=<n> maxFileBytes=<n>}, then {@code PHASE} lines with each phase's time,
 * peak heap used (all heap pools, reset between phases) and peak RSS (VmHWM, reset between phases where the kernel
 * allows it).
 */
public final class RewriteMain {

    static final Schema ROW = SchemaBuilder.record("Wide").namespace("io.meshspine.sink.rewrite").fields()
            .requiredLong("id").requiredString("note").requiredString("a").requiredString("b").requiredString("c").requiredString("d")
            .endRecord();
    static final int CHANGES_PER_FILE = 10;

    private RewriteMain() {
    }

    static GenericRecord row(long id, String note) {
        GenericData.Record r = new GenericData.Record(ROW);
        r.put("id", id);
        r.put("note", note);
        for (String c : List.of("a", "b", "c", "d")) {
            r.put(c, new UUID(id * 31 + c.charAt(0), id).toString() + "-" + c + id);
        }
        return r;
    }

    public static void main(String[] args) {
        String uri = Hadoop.qualify(args[0]);
        long rows = Long.parseLong(args[1]);
        int fileCount = Integer.parseInt(args[2]);
        long target = Long.parseLong(args[3]);
        Configuration conf = Hadoop.configuration(Map.of());
        TableSpec spec = new TableSpec("silver/rewrite/wide_v1", uri, TableKind.SILVER_UPSERT, "rewrite.topic", null, ROW, Optional.empty(),
                List.of("id"), BatchTrigger.DEFAULT);
        DeltaTable table = new DeltaTable(spec, conf);
        ParquetFiles files = new ParquetFiles(conf);

        long perFile = rows / fileCount;
        Phase build = Phase.start("build");
        OptimisticTransaction create = table.begin();
        List<Action> adds = new ArrayList<>();
        for (int f = 0; f < fileCount; f++) {
            long from = f * perFile;
            ParquetFiles.WrittenFile w = files.writeFile(uri, "", Map.of(), ROW, spec.keyColumns(), sink -> {
                for (long id = from; id < from + perFile; id++) {
                    sink.accept(row(id, "original"));
                }
            });
            adds.add(new AddFile(w.path(), w.partitionValues(), w.size(), System.currentTimeMillis(), true, w.stats(), Map.of()));
        }
        create.commit(adds, new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO);
        String built = build.end();
        Phase rewrite = Phase.start("rewrite");

        LinkedHashMap<BusinessKey, SilverRows.KeyChange> changes = new LinkedHashMap<>();
        for (int f = 0; f < fileCount; f++) {
            for (int k = 0; k < CHANGES_PER_FILE; k++) {
                GenericRecord changed = row(f * perFile + k * (perFile / CHANGES_PER_FILE), "changed");
                changes.put(BusinessKey.of(changed, spec.keyColumns()), new SilverRows.Change.Upsert(BusinessKey.of(changed, spec.keyColumns()), changed, null));
            }
        }
        OptimisticTransaction txn = table.begin();
        List<Action> actions = new ArrayList<>();
        List<ParquetFiles.WrittenFile> written = new UpsertPlanner(spec, files, target).plan(txn, changes, actions).files();
        long maxBytes = written.stream().mapToLong(ParquetFiles.WrittenFile::size).max().orElse(0);
        written.forEach(w -> actions.add(new AddFile(w.path(), w.partitionValues(), w.size(), System.currentTimeMillis(), true, w.stats(), Map.of())));
        txn.commit(actions, new Operation(Operation.Name.MERGE), DeltaTable.ENGINE_INFO);
        String rewritten = rewrite.end();
        System.out.printf("RESULT removed=%d added=%d maxFileBytes=%d heapMaxMb=%d%n", actions.stream().filter(a -> a instanceof RemoveFile).count(),
                written.size(), maxBytes, Runtime.getRuntime().maxMemory() >> 20);
        System.out.println(built);
        System.out.printf("%s rowsRewritten=%d changes=%d tableBytes=%d%n", rewritten, rows, changes.size(),
                adds.stream().mapToLong(a -> ((AddFile) a).getSize()).sum());
    }

    /** One measured phase: wall time, peak heap used and peak RSS from its start. */
    private record Phase(String name, long startNanos, long startCpuNanos) {
        static Phase start(String name) {
            java.lang.management.ManagementFactory.getMemoryPoolMXBeans().forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
            try {
                // "5" resets the process's peak RSS (VmHWM) to its current RSS (Linux 4.0 and later).
                java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/self/clear_refs"), "5");
            } catch (java.io.IOException | RuntimeException e) {
                // not Linux, or not allowed: the peak RSS printed is then the process's whole-life peak
            }
            return new Phase(name, System.nanoTime(), cpuNanos());
        }

        String end() {
            long ms = (System.nanoTime() - startNanos) / 1_000_000;
            long heapPeak = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            return String.format("PHASE %s ms=%d cpuMs=%d peakHeapMb=%d peakRssMb=%d", name, ms, (cpuNanos() - startCpuNanos) / 1_000_000,
                    heapPeak >> 20, peakRssKb() >> 10);
        }

        /** The whole JVM's CPU time (every thread, GC included). */
        private static long cpuNanos() {
            return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
        }

        private static long peakRssKb() {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmHWM:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not Linux
            }
            return -1;
        }
    }
}
