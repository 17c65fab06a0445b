package io.meshspine.sink;

import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/** Compaction, checkpoints and vacuum on tables the sink is writing, checked with Delta Kernel. */
@ExtendWith(SpineExtension.class)
class MaintenanceOnBrokerTest {

    @Test
    void compaction_beside_a_writing_sink_loses_nothing_and_vacuum_deletes_only_what_no_version_needs(SpineTestKit kit, @TempDir Path lake)
            throws IOException {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "upkeep", lake, 1)) {
            int records = 2000;
            ExactlyOnceOnBrokerTest.sendPayments(f, records);
            String silver = f.silverPath();
            AtomicInteger compacted = new AtomicInteger();
            SinkConfig config = f.config(new BatchTrigger(100, 64L << 20, Duration.ofMillis(200))).withMaintenance(MaintenancePolicy.OFF);
            try (SinkService sink = LakeSink.start(config, f.catalog(), new SimpleMeterRegistry())) {
                await("compacting while the sink writes").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    if (KernelTable.count(silver) > 0) {
                        compacted.addAndGet(Maintenance.compact(silver, Maintenance.DEFAULT_TARGET_FILE_BYTES, Map.of()).filesRemoved());
                    }
                    return KernelTable.count(silver) == records;
                });
            }
            Maintenance.Compaction last = Maintenance.compact(silver, Maintenance.DEFAULT_TARGET_FILE_BYTES, Map.of());
            compacted.addAndGet(last.filesRemoved());
            KernelTable.Contents table = KernelTable.read(silver);
            assertThat(compacted.get()).isPositive();
            assertThat(table.rows()).hasSize(records);
            assertThat(table.column("transaction_id")).doesNotHaveDuplicates();
            assertThat(table.files()).as("one file per booking date").isEqualTo(2);
            assertThat(KernelTable.readVersion(silver, 0).rows()).hasSize(100);

            long checkpointed = Maintenance.checkpoint(silver, Map.of());
            assertThat(Path.of(java.net.URI.create(silver)).resolve("_delta_log").resolve(String.format("%020d.checkpoint.parquet", checkpointed)))
                    .exists();
            assertThat(KernelTable.read(silver).rows()).hasSize(records);

            Path tableDir = Path.of(java.net.URI.create(silver));
            Path anyFile = parquetFiles(tableDir).findFirst().orElseThrow();
            Path orphan = anyFile.resolveSibling("part-orphan-of-a-failed-attempt.snappy.parquet");
            Files.copy(anyFile, orphan);
            Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofDays(2))));

            assertThat(Maintenance.vacuum(silver, Duration.ofDays(7), Map.of()).filesDeleted()).isZero();
            assertThatThrownBy(() -> Maintenance.vacuum(silver, Duration.ZERO, Map.of())).isInstanceOf(IllegalArgumentException.class);
            assertThat(Maintenance.vacuum(silver, Duration.ofDays(1), Map.of()).filesDeleted()).as("only the orphan is old enough").isEqualTo(1);
            assertThat(orphan).doesNotExist();

            Maintenance.Vacuum all = Maintenance.vacuumWithNoWriterRunning(silver, Duration.ZERO, Map.of());
            assertThat(all.filesDeleted()).isPositive();
            KernelTable.Contents after = KernelTable.read(silver);
            assertThat(after.rows()).hasSize(records);
            assertThat(parquetFiles(tableDir).count()).isEqualTo(after.files());

            StringWriter out = new StringWriter();
            int exit = new CommandLine(new LakeCommand()).setOut(new PrintWriter(out)).execute("--lake", lake.toString(), "tables");
            assertThat(exit).isZero();
            assertThat(out.toString()).contains(LakeTables.silverName(f.contract)).contains("2,000 rows");
        }
    }

    private static Stream<Path> parquetFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.toString().contains("_delta_log")).toList().stream();
        }
    }
}
