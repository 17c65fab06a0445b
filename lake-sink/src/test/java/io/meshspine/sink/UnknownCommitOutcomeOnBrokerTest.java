package io.meshspine.sink;

import io.meshspine.sink.internal.LogStores;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * A commit whose outcome is unknown (an I/O error from the store, which may come after the version landed) re-reads the
 * log before it deletes anything: a version that landed keeps its files, one that did not leaves no orphans.
 */
@ExtendWith(SpineExtension.class)
class UnknownCommitOutcomeOnBrokerTest {

    private static final int RECORDS = 600;

    @Test
    void a_commit_that_landed_before_its_error_keeps_its_files_and_every_record_is_in_the_table_once(SpineTestKit kit, @TempDir Path lake) {
        SimpleMeterRegistry meters = runWithFaults(kit, lake, "after", "unknown-after");
        assertThat(failures(meters, "landed-despite-error")).as("commits the log showed had landed despite their error").isPositive();
    }

    @Test
    void a_commit_that_did_not_land_deletes_its_files_and_its_records_are_committed_by_a_later_batch(SpineTestKit kit, @TempDir Path lake) {
        SimpleMeterRegistry meters = runWithFaults(kit, lake, "before", "unknown-before");
        assertThat(failures(meters, "outcome-unknown")).as("batches abandoned after the log showed their commit did not land").isPositive();
    }

    private static SimpleMeterRegistry runWithFaults(SpineTestKit kit, Path lake, String mode, String prefix) {
        int failedBefore = FailingCommitLogStore.FAILED.get();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", prefix, lake, 2)) {
            ExactlyOnceOnBrokerTest.sendPayments(f, RECORDS);
            SinkConfig config = f.config(new BatchTrigger(100, 64L << 20, Duration.ofMillis(200))).withHadoop(Map.of(
                    LogStores.FILE_STORE_KEY, FailingCommitLogStore.class.getName(), FailingCommitLogStore.EVERY, "3",
                    FailingCommitLogStore.MODE, mode));
            try (SinkService sink = LakeSink.start(config, f.catalog(), meters)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> KernelTable.count(f.silverPath()) >= RECORDS && KernelTable.count(f.bronzePath()) >= RECORDS);
            }
            assertThat(FailingCommitLogStore.FAILED.get() - failedBefore).as("injected store faults").isPositive();
            // Kernel opens every file the log references: a file deleted under a landed version fails the read.
            KernelTable.Contents silver = KernelTable.read(f.silverPath());
            assertThat(silver.rows()).hasSize(RECORDS);
            assertThat(silver.column("transaction_id")).doesNotHaveDuplicates();
            KernelTable.Contents bronze = KernelTable.read(f.bronzePath());
            assertThat(bronze.rows()).hasSize(RECORDS);
            // No orphans either: every data file on disk is one the table references.
            assertThat(LakeFixture.parquetFiles(Path.of(URI.create(f.silverPath())))).isEqualTo(silver.files());
            assertThat(LakeFixture.parquetFiles(Path.of(URI.create(f.bronzePath())))).isEqualTo(bronze.files());
        }
        return meters;
    }

    private static double failures(SimpleMeterRegistry meters, String reason) {
        return meters.find("spine.sink.commit.failures").tag("reason", reason).counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
