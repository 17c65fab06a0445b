package io.meshspine.sink;

import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Bronze encryption's cost (issue 16): the same raw and product records of payments (customers from a pool, so keys
 * are both created and reused) sunk into Bronze + Silver with encryption off and on, interleaved in one JVM against
 * the test kit's broker and registry. Each run gets a fresh lake and consumer group; the clock runs from the sink's
 * start until both tables hold every record. Args: [records=200000] [customers=20000] [rounds=2] [batch=100000].
 * Prints one RESULT line per run and the on/off ratio of each round.
 */
public final class BronzeEncryptionBench {

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int customers = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 100_000;
        SpineTestKit kit = SpineTestKit.shared();
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of()).topics().stream()
                .filter(t -> t.name().equals(Topics.PRIVACY_KEYS)).toList());
        Path root = Files.createTempDirectory("bronze-encryption-bench");
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "bench", root.resolve("unused"), 2)) {
            SamplePayments samples = new SamplePayments(f.contract.avroSchema());
            Instant base = Instant.parse("2026-03-01T00:00:00Z");
            for (int i = 0; i < records; i++) {
                GenericRecord r = samples.valid(i, base.plusSeconds(i % 86_400 * 20));
                r.put("customer_id", "C-" + (i % customers));
                byte[] key = f.key(r);
                byte[] value = f.value(r);
                f.sendRaw(key, value);
                f.producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(f.contract.productTopic(), key, value));
            }
            f.producer.flush();
            System.out.printf("produced %d raw + %d product records, %d customers%n", records, records, customers);
            for (int round = 1; round <= rounds; round++) {
                List<Double> rates = new ArrayList<>();
                // alternate which mode goes first, so neither always gets the warmer JVM
                boolean[] order = round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false};
                double off = 0;
                double on = 0;
                for (boolean encrypt : order) {
                    double rate = run(f, root.resolve("r" + round + (encrypt ? "-on" : "-off")), encrypt, records, batch);
                    if (encrypt) {
                        on = rate;
                    } else {
                        off = rate;
                    }
                    rates.add(rate);
                }
                System.out.printf("ROUND %d encrypted/clear = %.3f (%.0f vs %.0f records/s into Bronze + Silver)%n", round, on / off, on, off);
            }
        } finally {
            deleteTree(root);
        }
        System.exit(0);
    }

    private static double run(LakeFixture f, Path lake, boolean encrypt, int records, int batch) throws Exception {
        SinkConfig config = f.config(new BatchTrigger(batch, 1L << 30, Duration.ofMinutes(10))).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("bench")).withMaintenance(MaintenancePolicy.OFF)
                .withPrivacy(PrivacyConfig.DEMO.withEncryptBronze(encrypt));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String bronze = LakeTables.bronzeName(f.contract);
        String silver = LakeTables.silverName(f.contract);
        long start = System.nanoTime();
        Instant startedAt = Instant.now();
        double cpuBefore = cpu();
        try (SinkService sink = LakeSink.start(config, f.catalog(), meters)) {
            // The rows counter moves after each Delta commit (as the Spark comparison's own side watches it).
            while (rows(meters, bronze) < records || rows(meters, silver) < records) {
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = 2.0 * records / seconds;
            // the window lets a profile of the whole bench be split by run
            System.out.printf("RESULT encryptBronze=%s records=%d(+%d) seconds=%.2f recordsPerSecond=%.0f cpuSeconds=%.1f window=%s/%s%n", encrypt,
                    records, records, seconds, rate, cpu() - cpuBefore, startedAt, Instant.now());
            return rate;
        }
    }

    private static double rows(SimpleMeterRegistry meters, String table) {
        return meters.find("spine.sink.rows").tag("table", table).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static double cpu() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
