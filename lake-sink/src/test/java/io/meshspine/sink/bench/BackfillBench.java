package io.meshspine.sink.bench;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.LakeTables;
import io.meshspine.sink.MaintenancePolicy;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkService;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue #17's benchmark: the backfill of N Bronze rows against the live path for the same rows in the same run. The
 * live path (raw topic, gate, product topic, lake sink writing Bronze and Silver) runs in this JVM with the broker, from
 * the first raw record to the last Silver row committed; it leaves the Bronze table the backfill then reads. The
 * backfill runs in its own JVM (heap limit of {@code -Dbench.backfillJvm}, default {@code -Xmx512m}) and reports
 * rows/s, the peak of its heap pools and its peak RSS. Payments records, one in 50 refused by the contract's amount
 * rule and one in 100 a re-send, so dedup and dead letters are on the path too.
 *
 * <p>Run from the repo root after {@code ./mvnw -q -B -o -DskipTests test-compile -pl lake-sink -am}:
 * {@code lake-sink/bench/backfill-bench.sh [records] [workers]}.
 */
public final class BackfillBench {

    private static final String HASH_KEY = "backfill-bench-hash-key-0123456789";

    public static void main(String[] args) {
        int status = 1;
        try {
            bench(args.length > 0 ? Long.parseLong(args[0]) : 1_000_000, args.length > 1 ? Integer.parseInt(args[1]) : 0);
            status = 0;
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            // The in-process broker's threads would keep the JVM alive.
            System.exit(status);
        }
    }

    private static void bench(long records, int workers) throws Exception {
        Path work = Files.createTempDirectory("backfill-bench");
        SpineTestKit kit = SpineTestKit.shared();
        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "bfbench");
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
        Path contracts = work.resolve("contracts");
        ContractFixtures.writeFiles(contract, Path.of(System.getProperty("meshspine.schemas", "schemas")), "payments", contracts);
        Path lake = work.resolve("lake");
        String silver = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
        long passing = produce(kit, contract, records);
        System.out.printf("load before the live path: %s%n", loadAverage());

        GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("bfbench-gate"),
                "gate.state-dir", work.resolve("gate-state").toString()));
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("bfbench-sink")).withTrigger(new BatchTrigger(100_000, 1L << 30, Duration.ofSeconds(10)))
                .withTableTriggers(Map.of()).withMaintenance(MaintenancePolicy.OFF);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        long start = System.nanoTime();
        try (ContractGateService gate = ContractGateService.start(gateConfig, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry(), ProductTransform.NONE);
             SinkService sink = LakeSink.start(sinkConfig, ContractCatalog.of(List.of(contract)), meters)) {
            String table = LakeTables.silverName(contract);
            String bronzeTable = LakeTables.bronzeName(contract);
            org.awaitility.Awaitility.await("the live path's last rows committed").atMost(Duration.ofHours(1))
                    .pollInterval(Duration.ofMillis(50)).until(() -> rows(meters, table) >= passing && rows(meters, bronzeTable) >= records);
        }
        double liveSeconds = (System.nanoTime() - start) / 1e9;
        double live = records / liveSeconds;
        System.out.printf("RESULT side=live records=%d seconds=%.1f rowsPerSecond=%.0f%n", records, liveSeconds, live);
        System.out.printf("load before the backfill: %s%n", loadAverage());

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("bench.backfillJvm", "-Xmx512m").split(" ")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BackfillBenchSide.class.getName(), lake.toString(),
                contracts.toString(), contract.id(), kit.bootstrapServers(), kit.registryUrl(), HASH_KEY,
                work.resolve("rebuilt").toString(), Integer.toString(workers)));
        Map<String, String> result = run(command, work.resolve("backfill.log"));
        double backfill = Double.parseDouble(result.get("rowsPerSecond"));
        System.out.printf("| rows | live path rows/s | backfill rows/s | backfill / live | backfill workers | backfill heap peak | backfill peak RSS |%n");
        System.out.printf("| %,d | %,.0f | %,.0f | %.1fx | %s | %s MB | %s MB |%n", records, live, backfill, backfill / live, result.get("workers"),
                result.get("heapPeakMb"), result.get("peakRssMb"));
        System.out.printf("load after: %s%n", loadAverage());
        try (Stream<Path> paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static double rows(SimpleMeterRegistry meters, String table) {
        return meters.find("spine.sink.rows").tag("table", table).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static String loadAverage() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    /** N raw payments; returns how many the contract passes (one in 50 over the amount limit, one in 100 a re-send). */
    private static long produce(SpineTestKit kit, Contract contract, long records) {
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        Map<String, Object> config = new HashMap<>(kit.producerConfig());
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        BenchPayments payments = new BenchPayments(contract, writerId, records);
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (payments.hasNext()) {
                ConsumerRecord<byte[], byte[]> r = payments.next();
                producer.send(new ProducerRecord<>(contract.rawTopic(), r.key(), r.value()));
            }
            producer.flush();
        }
        long passing = payments.passing();
        System.out.printf("produced %,d raw payments (%,d pass) in %.1f s%n", records, passing, (System.nanoTime() - start) / 1e9);
        return passing;
    }

    private static Map<String, String> run(List<String> command, Path log) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> kv = new HashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
             var file = Files.newBufferedWriter(log)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.write(line);
                file.newLine();
                if (line.startsWith("backfill ") && line.contains("rows/s")) {
                    System.out.println(line);
                }
                if (line.startsWith("RESULT ")) {
                    for (String part : line.substring(7).split(" ")) {
                        String[] x = part.split("=", 2);
                        kv.put(x[0], x[1]);
                    }
                }
            }
        }
        p.waitFor();
        if (kv.isEmpty()) {
            throw new IllegalStateException("no RESULT from the backfill; see " + log + ":\n" + Files.readString(log));
        }
        return kv;
    }
}
