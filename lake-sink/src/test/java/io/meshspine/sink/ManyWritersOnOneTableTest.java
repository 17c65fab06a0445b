package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Metadata;
import io.meshspine.sink.internal.DeltaSchemas;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * Several processes commit to one table at once, with compaction and checkpoints beside them: every Delta version is
 * written by exactly one of them (put-if-absent of {@code _delta_log/<version>.json} across processes), every batch a
 * writer believes committed is in the table exactly once, and the txn versions are what each writer believes.
 */
class ManyWritersOnOneTableTest {

    private static final int WRITERS = 2;
    private static final int COMMITS_PER_WRITER = 120;
    /**
     * The writers' log store for {@code file:}; run with {@code -Dmeshspine.stress.log-store=io.delta.storage.HDFSLogStore}
     * (Delta's default, check-then-rename) to see this test fail on versions two writers both believe they wrote.
     */
    private static final String LOG_STORE_PROPERTY = "meshspine.stress.log-store";
    /** Compaction and a checkpoint each time the writers have added this many versions. */
    private static final int UPKEEP_EVERY_VERSIONS = 25;

    @Test
    void writer_processes_racing_on_one_table_with_compaction_beside_them_each_own_the_versions_they_believe_they_wrote(@TempDir Path dir)
            throws Exception {
        Path tableDir = dir.resolve("stress");
        String table = Hadoop.qualify(tableDir.toString());
        create(table);

        List<Process> writers = new ArrayList<>();
        List<Path> reports = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger compactions = new AtomicInteger();
        AtomicInteger checkpoints = new AtomicInteger();
        AtomicReference<Throwable> upkeepFailure = new AtomicReference<>();
        Thread upkeep = new Thread(() -> {
            try {
                DeltaLog log = DeltaLog.forTable(Hadoop.configuration(Map.of()), table);
                long last = 0;
                while (writing.get()) {
                    long since = last;
                    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                            .until(() -> !writing.get() || log.update().getVersion() >= since + UPKEEP_EVERY_VERSIONS);
                    last = log.update().getVersion();
                    if (Maintenance.compact(table, 1024 * 1024, Map.of()).version() >= 0) {
                        compactions.incrementAndGet();
                    }
                    Maintenance.checkpoint(table, Map.of());
                    checkpoints.incrementAndGet();
                }
            } catch (Throwable t) {
                upkeepFailure.set(t);
            }
        }, "stress-upkeep");
        try {
            for (int w = 0; w < WRITERS; w++) {
                Path report = dir.resolve("writer-" + w + ".txt");
                reports.add(report);
                List<String> command = ChildJvm.command(dir.resolve("jvm-tmp-" + w), List.of("-Xmx128m", "-XX:TieredStopAtLevel=1",
                                "-XX:+UseSerialGC"), CommitLoopMain.class.getName(), table, "writer-" + w, Integer.toString(COMMITS_PER_WRITER),
                        report.toString(), System.getProperty(LOG_STORE_PROPERTY, "io.meshspine.sink.internal.PosixLogStore"));
                writers.add(new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("writer-" + w + ".log").toFile()).start());
            }
            upkeep.start();
            for (int w = 0; w < WRITERS; w++) {
                assertThat(writers.get(w).waitFor(180, TimeUnit.SECONDS)).as("writer %d finishes", w).isTrue();
                assertThat(writers.get(w).exitValue()).as("writer %d exit status; its log:%n%s", w,
                        Files.readString(dir.resolve("writer-" + w + ".log"))).isZero();
            }
        } finally {
            writing.set(false);
            upkeep.join(Duration.ofSeconds(60).toMillis());
            writers.forEach(Process::destroyForcibly);
        }
        assertThat(upkeepFailure.get()).as("compaction and checkpoints beside the writers").isNull();
        assertThat(compactions.get()).as("compactions that committed").isPositive();
        assertThat(checkpoints.get()).isPositive();

        // Every version exists once: 0..last, no gap.
        Path deltaLog = tableDir.resolve("_delta_log");
        List<Long> versions;
        try (Stream<Path> files = Files.list(deltaLog)) {
            versions = files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}\\.json"))
                    .map(n -> Long.parseLong(n.substring(0, 20))).sorted().toList();
        }
        assertThat(versions).first().isEqualTo(0L);
        assertThat(versions).hasSize((int) (versions.get(versions.size() - 1) + 1));

        // Each version a writer believes it wrote holds that writer's txn for that batch, and no two writers claim one.
        Map<Long, String> claimed = new HashMap<>();
        for (int w = 0; w < WRITERS; w++) {
            String writer = "writer-" + w;
            List<String> lines = Files.readAllLines(reports.get(w));
            assertThat(lines).last().isEqualTo("DONE");
            List<String> committed = lines.stream().filter(l -> l.startsWith("COMMITTED ")).toList();
            assertThat(committed).hasSize(COMMITS_PER_WRITER);
            for (String line : committed) {
                String[] parts = line.split(" ");
                long batch = Long.parseLong(parts[1]);
                long version = Long.parseLong(parts[2]);
                assertThat(claimed.put(version, writer)).as("version %d claimed twice", version).isNull();
                String json = Files.readString(deltaLog.resolve(String.format("%020d.json", version)));
                assertThat(json).as("version %d is the one %s wrote for batch %d", version, writer, batch)
                        .contains("\"appId\":\"" + writer + "\",\"version\":" + batch + ",");
            }
            assertThat(KernelTable.txnVersion(table, writer)).as("txn version of " + writer).contains((long) COMMITS_PER_WRITER);
        }

        // Every committed batch's rows exactly once, read by Delta Kernel after the compactions.
        KernelTable.Contents contents = KernelTable.read(table);
        Map<String, Long> rowsPerBatch = contents.rows().stream()
                .collect(Collectors.groupingBy(r -> r.get("writer") + "/" + r.get("batch"), Collectors.counting()));
        assertThat(rowsPerBatch).hasSize(WRITERS * COMMITS_PER_WRITER);
        assertThat(rowsPerBatch.values()).allMatch(n -> n == CommitLoopMain.ROWS_PER_BATCH);
        assertThat(contents.rows()).hasSize(WRITERS * COMMITS_PER_WRITER * CommitLoopMain.ROWS_PER_BATCH);
        System.out.printf("many writers: %d versions, %d compactions, %d checkpoints%n", versions.size(), compactions.get(), checkpoints.get());
    }

    private static void create(String table) {
        DeltaLog log = DeltaLog.forTable(Hadoop.configuration(Map.of()), table);
        OptimisticTransaction txn = log.startTransaction();
        txn.updateMetadata(Metadata.builder().id(UUID.randomUUID().toString()).name("stress")
                .schema(DeltaSchemas.toDelta(CommitLoopMain.ROW)).configuration(Map.of(DeltaTable.AVRO_SCHEMA, CommitLoopMain.ROW.toString()))
                .createdTime(System.currentTimeMillis()).build());
        txn.commit(List.of(), new Operation(Operation.Name.CREATE_TABLE), DeltaTable.ENGINE_INFO);
    }
}
