package io.meshspine.sink;

import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.EmbeddedKafkaBroker;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.KernelTable;

/**
 * Exactly once through crashes and races: a sink process halted between its Parquet write and its Delta commit, or
 * between its Delta commit and its Kafka offset commit, restarted; and two sinks racing on the same tables.
 */
@ExtendWith(SpineExtension.class)
class ExactlyOnceOnBrokerTest {

    private static final int RECORDS = 600;

    @Test
    void a_crash_between_parquet_write_and_commit_leaves_nothing_visible_and_the_restart_commits_every_record_once(
            SpineTestKit kit, @TempDir Path lake, @TempDir Path contracts) throws Exception {
        crashAndRestart(kit, lake, contracts, CrashPoint.AFTER_PARQUET_BEFORE_COMMIT, 1);
    }

    @Test
    void a_crash_between_delta_commit_and_offset_commit_reads_nothing_twice_after_restart(
            SpineTestKit kit, @TempDir Path lake, @TempDir Path contracts) throws Exception {
        crashAndRestart(kit, lake, contracts, CrashPoint.AFTER_COMMIT_BEFORE_OFFSET_COMMIT, 0);
    }

    private void crashAndRestart(SpineTestKit kit, Path lake, Path contracts, CrashPoint point, int commitsBefore) throws Exception {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "crash", lake, 2)) {
            sendPayments(f, RECORDS);
            ContractFixtures.writeFiles(f.contract, Path.of("").toAbsolutePath().getParent().resolve("schemas"), "payments", contracts);
            String group = SpineTestKit.uniqueName("crash-sink");

            Process crashing = startSinkJvm(kit, lake, contracts, group, point, commitsBefore);
            try {
                assertThat(crashing.waitFor(90, TimeUnit.SECONDS)).as("the sink halts at " + point).isTrue();
                assertThat(crashing.exitValue()).isEqualTo(CrashPoint.EXIT_STATUS);
            } finally {
                crashing.destroyForcibly().waitFor();
            }
            long committedRows = Math.max(0, KernelTable.count(f.silverPath())) + Math.max(0, KernelTable.count(f.bronzePath()));
            // Batches are 100 records: what is visible is exactly the batches that committed before the halt.
            assertThat(committedRows).isEqualTo(100L * (point == CrashPoint.AFTER_PARQUET_BEFORE_COMMIT ? commitsBefore : 1));

            // A new group: it has no committed offsets at all, so only the Delta log's txn versions can place it.
            Process restarted = startSinkJvm(kit, lake, contracts, SpineTestKit.uniqueName("restarted-sink"), null, 0);
            try {
                await("every record once after the restart").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> KernelTable.count(f.silverPath()) >= RECORDS && KernelTable.count(f.bronzePath()) >= RECORDS);
            } finally {
                restarted.destroy();
                if (!restarted.waitFor(30, TimeUnit.SECONDS)) {
                    restarted.destroyForcibly().waitFor();
                }
            }
            KernelTable.Contents silver = KernelTable.read(f.silverPath());
            assertThat(silver.rows()).hasSize(RECORDS);
            assertThat(silver.column("transaction_id")).doesNotHaveDuplicates();
            assertThat(KernelTable.read(f.bronzePath()).rows()).hasSize(RECORDS);
        }
    }

    @Test
    void two_sinks_racing_on_the_same_tables_commit_every_record_once(SpineTestKit kit, @TempDir Path lake) {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "zombie", lake, 2)) {
            int records = 1200;
            sendPayments(f, records);
            BatchTrigger small = new BatchTrigger(100, 64L << 20, Duration.ofMillis(200));
            // Different groups: each instance owns every partition, as a zombie that missed its revocation would.
            SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
            SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
            try (SinkService first = LakeSink.start(f.config(small), f.catalog(), firstMeters);
                 SinkService second = LakeSink.start(f.config(small), f.catalog(), secondMeters)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> KernelTable.count(f.silverPath()) >= records && KernelTable.count(f.bronzePath()) >= records);
            }
            KernelTable.Contents silver = KernelTable.read(f.silverPath());
            assertThat(silver.rows()).hasSize(records);
            assertThat(silver.column("transaction_id")).doesNotHaveDuplicates();
            KernelTable.Contents bronze = KernelTable.read(f.bronzePath());
            assertThat(bronze.rows()).hasSize(records);
            assertThat(bronze.rows().stream().map(r -> r.get("_partition") + "/" + r.get("_offset")).distinct()).hasSize(records);
            double lost = lostRaces(firstMeters) + lostRaces(secondMeters);
            System.out.println("zombie race: batches lost to the other writer = " + lost);
        }
    }

    @Test
    void a_lake_fed_by_another_kafka_cluster_reads_that_clusters_partitions_from_their_beginning(SpineTestKit kit, @TempDir Path lake)
            throws Exception {
        BatchTrigger small = new BatchTrigger(100, 64L << 20, Duration.ofMillis(200));
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "cluster", lake, 1)) {
            sendPayments(f, 300); // offsets 0..299 of the shared cluster
            try (SinkService sink = LakeSink.start(f.config(small), f.catalog(), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) >= 300);
            }
            String firstCluster = kit.admin().describeCluster().clusterId().get();

            // A rebuilt or fail-over cluster: the same topics, with offsets that overlap the first cluster's.
            try (EmbeddedKafkaBroker other = EmbeddedKafkaBroker.start();
                 Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, other.bootstrapServers()));
                 // Not idempotent: a second broker just started in this JVM answered the idempotent producer's first batches
                 // with OUT_OF_ORDER_SEQUENCE_NUMBER on a loaded machine and it never delivered; one request in flight keeps order.
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                         other.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                         ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new ByteArraySerializer(), new ByteArraySerializer())) {
                admin.createTopics(List.of(new NewTopic(f.contract.productTopic(), 1, (short) 1), new NewTopic(f.contract.rawTopic(), 1, (short) 1),
                        new NewTopic(Topics.DLQ, 1, (short) 1))).all().get();
                SamplePayments samples = new SamplePayments(f.contract.avroSchema());
                Instant at = Instant.parse("2025-07-01T00:00:00Z");
                for (int i = 300; i < 750; i++) {
                    GenericRecord r = samples.valid(i, at.plusSeconds(i));
                    producer.send(new ProducerRecord<>(f.contract.productTopic(), f.key(r), f.value(r)));
                    producer.send(new ProducerRecord<>(f.contract.rawTopic(), f.key(r), f.value(r)));
                }
                producer.flush();
                SinkConfig onOther = SinkConfig.defaults(other.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                        .withGroupId(SpineTestKit.uniqueName("other-sink")).withTrigger(small).withTableTriggers(Map.of());
                try (SinkService sink = LakeSink.start(onOther, f.catalog(), new SimpleMeterRegistry())) {
                    // Offsets 300..449 of the new cluster are not the first cluster's: all 450 of its records arrive.
                    await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) >= 750);
                }
                String otherCluster = admin.describeCluster().clusterId().get();
                assertThat(otherCluster).isNotEqualTo(firstCluster);
                KernelTable.Contents silver = KernelTable.read(f.silverPath());
                assertThat(silver.rows()).hasSize(750);
                assertThat(silver.column("transaction_id")).doesNotHaveDuplicates();
                String topic = f.contract.productTopic();
                assertThat(KernelTable.txnVersion(f.silverPath(), "meshspine-sink:" + firstCluster + ":" + topic + ":0")).contains(299L);
                assertThat(KernelTable.txnVersion(f.silverPath(), "meshspine-sink:" + otherCluster + ":" + topic + ":0")).contains(449L);
            }
        }
    }

    private static double lostRaces(SimpleMeterRegistry meters) {
        return meters.find("spine.sink.commit.failures").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    static List<GenericRecord> sendPayments(LakeFixture f, int n) {
        SamplePayments samples = new SamplePayments(f.contract.avroSchema());
        Instant at = Instant.parse("2025-06-30T23:59:00Z");
        List<GenericRecord> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GenericRecord r = samples.valid(i, at.plusSeconds(i));
            f.sendProduct(r);
            f.sendRaw(f.key(r), f.value(r));
            sent.add(r);
        }
        f.producer.flush();
        return sent;
    }

    private static Process startSinkJvm(SpineTestKit kit, Path lake, Path contracts, String group, CrashPoint crash, int commitsBefore)
            throws IOException {
        List<String> options = new ArrayList<>(List.of("-Xmx384m", "-XX:TieredStopAtLevel=1"));
        if (crash != null) {
            options.add("-D" + CrashPoint.PROPERTY + "=" + crash.name());
            options.add("-D" + CrashPoint.AFTER_COMMITS_PROPERTY + "=" + commitsBefore);
        }
        List<String> command = ChildJvm.command(contracts.resolve("jvm-tmp"), options, LakeSinkMain.class.getName(),
                "--bootstrap-servers", kit.bootstrapServers(), "--registry", kit.registryUrl(), "--lake", lake.toString(),
                "--contracts", contracts.toString(), "--group", group, "--max-records", "100", "--max-latency-ms", "500");
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(contracts.resolve("sink.log").toFile())).start();
    }
}
