package io.meshspine.sink;

import io.meshspine.sink.internal.Tombstones;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.meshspine.sink.SourceOrderOnBrokerTest.change;
import static io.meshspine.sink.SourceOrderOnBrokerTest.delete;
import static io.meshspine.sink.SourceOrderOnBrokerTest.pg;
import static io.meshspine.sink.SourceOrderOnBrokerTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.KernelTable;

/**
 * A delete stays a delete against older changes replayed in later batches (a DLQ replay, a re-delivery, an older change
 * that arrives late from another source partition), also across a kill -9 between the tombstones' commit and the
 * table's; a newer change brings the key back. Silver's readers see neither the tombstones nor a column for them.
 */
@ExtendWith(SpineExtension.class)
class TombstonesOnBrokerTest {

    private static final BatchTrigger QUICK = new BatchTrigger(10_000, 64L << 20, Duration.ofMillis(300));

    @Test
    void a_deleted_key_stays_deleted_against_older_replays_and_comes_back_with_a_newer_change(SpineTestKit kit, @TempDir Path lake) {
        try (LakeFixture f = new LakeFixture(kit, "crm.customers", "tombs", lake, 1)) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (SinkService sink = LakeSink.start(f.config(QUICK), f.catalog(), meters)) {
                change(f, 0, "A", "A-1", pg(100), "c");
                change(f, 0, "B", "B-1", pg(100), "c");
                change(f, 0, "C", "C-1", pg(100), "c");
                awaitMarker(f, "Z1", pg(101));

                delete(f, 0, "A", pg(200));
                delete(f, 0, "B", pg(300));
                // Deleted before its (older) insert reached the table: the insert arrives later, from another partition.
                delete(f, 0, "X", pg(250));
                awaitMarker(f, "Z2", pg(301));
                assertThat(state(KernelTable.read(f.silverPath()))).doesNotContainKeys("A", "B", "X");

                change(f, 0, "A", "A-replayed", pg(150), "u");
                change(f, 0, "X", "X-late", pg(240), "c");
                change(f, 0, "B", "B-back", pg(400), "c");
                awaitMarker(f, "Z3", pg(401));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(counter(meters, f, "spine.sink.stale.changes")).as("A and X older than their deletes").isEqualTo(2.0));
            }
            KernelTable.Contents silver = KernelTable.read(f.silverPath());
            assertThat(state(silver)).isEqualTo(new TreeMap<>(Map.of("B", "B-back", "C", "C-1", "Z1", "marker", "Z2", "marker", "Z3", "marker")));
            assertThat(silver.column("customer_id")).doesNotHaveDuplicates();
            // Readers of Silver see the contract's columns and each row's sequence, nothing to filter deleted keys by.
            List<String> columns = silver.schema().fieldNames();
            List<String> expected = new ArrayList<>(f.contract.avroSchema().getFields().stream().map(org.apache.avro.Schema.Field::name).toList());
            expected.add("_source_sequence");
            assertThat(columns).containsExactlyElementsOf(expected);

            KernelTable.Contents tombstones = KernelTable.read(Tombstones.path(f.silverPath()));
            assertThat(deletedAt(tombstones)).isEqualTo(new TreeMap<>(Map.of(
                    "A", "postgres:crm@00000000000000000200", "B", "postgres:crm@00000000000000000300", "X", "postgres:crm@00000000000000000250")));
        }
    }

    @Test
    void a_kill_between_the_tombstones_and_the_tables_commit_loses_no_delete(SpineTestKit kit, @TempDir Path lake, @TempDir Path work)
            throws Exception {
        try (LakeFixture f = new LakeFixture(kit, "crm.customers", "tombkill", lake, 1)) {
            Path contracts = work.resolve("contracts");
            ContractFixtures.writeFiles(f.contract, Path.of("").toAbsolutePath().getParent().resolve("schemas"), "crm", contracts);
            // Batches of three records: the inserts commit, then the batch with the deletes halts after its tombstones.
            change(f, 0, "A", "A-1", pg(100), "c");
            change(f, 0, "B", "B-1", pg(100), "c");
            change(f, 0, "C", "C-1", pg(100), "c");
            delete(f, 0, "A", pg(200));
            delete(f, 0, "B", pg(210));
            change(f, 0, "D", "D-1", pg(220), "c");
            f.producer.flush();

            Process crashing = startSinkJvm(kit, lake, contracts, work, CrashPoint.AFTER_TOMBSTONES_BEFORE_COMMIT);
            try {
                assertThat(crashing.waitFor(120, TimeUnit.SECONDS)).as("the sink halts after the tombstones' commit").isTrue();
                assertThat(crashing.exitValue()).isEqualTo(CrashPoint.EXIT_STATUS);
            } finally {
                crashing.destroyForcibly().waitFor();
            }
            assertThat(state(KernelTable.read(f.silverPath()))).as("the deletes' commit never happened")
                    .isEqualTo(new TreeMap<>(Map.of("A", "A-1", "B", "B-1", "C", "C-1")));
            assertThat(deletedAt(KernelTable.read(Tombstones.path(f.silverPath())))).containsOnlyKeys("A", "B");

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            // A new sink (its group has no offsets) reads the deletes again from the table's txn versions and applies them.
            try (SinkService sink = LakeSink.start(f.config(QUICK), f.catalog(), meters)) {
                awaitMarker(f, "Z1", pg(300));
                assertThat(state(KernelTable.read(f.silverPath()))).doesNotContainKeys("A", "B").containsKeys("C", "D");
                assertThat(counter(meters, f, "spine.sink.tombstones")).as("the re-read deletes found their tombstones").isZero();
                // Then, in later batches, replays of changes older than the deletes.
                change(f, 0, "A", "A-replayed", pg(150), "u");
                change(f, 0, "B", "B-replayed", pg(205), "u");
                awaitMarker(f, "Z2", pg(301));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(counter(meters, f, "spine.sink.stale.changes")).isEqualTo(2.0));
            }
            KernelTable.Contents silver = KernelTable.read(f.silverPath());
            assertThat(state(silver)).isEqualTo(new TreeMap<>(Map.of("C", "C-1", "D", "D-1", "Z1", "marker", "Z2", "marker")));
            KernelTable.Contents tombstones = KernelTable.read(Tombstones.path(f.silverPath()));
            assertThat(tombstones.rows()).as("no tombstone written twice").hasSize(2);
        }
    }

    /** A last change of its own key: once it is in the table, everything sent before it is too. */
    private static void awaitMarker(LakeFixture f, String name, String position) {
        change(f, 0, name, "marker", position, "c");
        f.producer.flush();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> KernelTable.count(f.silverPath()) >= 0 && state(KernelTable.read(f.silverPath())).containsKey(name));
    }

    /** Key name (without the CUST- prefix) to the sequence of its tombstone. */
    private static Map<String, String> deletedAt(KernelTable.Contents tombstones) {
        return tombstones.rows().stream().collect(Collectors.toMap(r -> ((String) r.get("customer_id")).substring(5),
                r -> (String) r.get("_source_sequence"), (a, b) -> a + " AND " + b, TreeMap::new));
    }

    private static double counter(SimpleMeterRegistry meters, LakeFixture f, String name) {
        var c = meters.find(name).tag("table", LakeTables.silverName(f.contract)).counter();
        return c == null ? 0 : c.count();
    }

    private static Process startSinkJvm(SpineTestKit kit, Path lake, Path contracts, Path work, CrashPoint crash) throws IOException {
        List<String> command = ChildJvm.command(work.resolve("jvm-tmp"), List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
                        "-D" + CrashPoint.PROPERTY + "=" + crash.name(), "-D" + CrashPoint.AFTER_COMMITS_PROPERTY + "=0"),
                LakeSinkMain.class.getName(), "--bootstrap-servers", kit.bootstrapServers(), "--registry", kit.registryUrl(),
                "--lake", lake.toString(), "--contracts", contracts.toString(), "--group", SpineTestKit.uniqueName("tomb-sink"),
                "--max-records", "3", "--max-latency-ms", "500");
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("sink.log").toFile())).start();
    }
}
