package io.meshspine.sink.bench;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.sink.internal.BronzeFixture;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.KernelTable;
import io.meshspine.testkit.SpineTestKit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue #17's memory bound: a backfill of N Bronze rows (default ten million) in a child JVM at {@code -Xmx512m}
 * ({@code -Dbench.backfillJvm}). The Bronze table is written directly with the sink's Bronze writer
 * ({@link BronzeFixture}), not through Kafka: the same payments as {@link BackfillBench} (one in 50 refused by the
 * currency rule, one in 100 a re-send of the record before it), on one raw partition. Prints the child's rows/s, CPU
 * seconds, peak heap and RSS, GC count and time, the spills, and the rebuilt table's row count read with Delta Kernel
 * against the rows that pass.
 *
 * <p>{@code lake-sink/bench/backfill-memory-bench.sh [records] [workers] [backfill JVM options]}
 */
public final class BackfillMemoryBench {

    private static final String HASH_KEY = "backfill-bench-hash-key-0123456789";

    public static void main(String[] args) {
        int status = 1;
        try {
            bench(args.length > 0 ? Long.parseLong(args[0]) : 10_000_000, args.length > 1 ? Integer.parseInt(args[1]) : 0);
            status = 0;
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            System.exit(status);
        }
    }

    private static void bench(long records, int workers) throws Exception {
        Path work = Files.createTempDirectory("backfill-memory-bench");
        try {
            SpineTestKit kit = SpineTestKit.shared();
            Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "bfmem");
            new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
            Path contracts = work.resolve("contracts");
            ContractFixtures.writeFiles(contract, Path.of(System.getProperty("meshspine.schemas", "schemas")), "payments", contracts);
            Path lake = work.resolve("lake");
            RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
            long writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
            BenchPayments payments = new BenchPayments(contract, writerId, records);
            long start = System.nanoTime();
            String bronze = BronzeFixture.write(contract, lake.toString(), registry, payments, 250_000, 8);
            System.out.printf("wrote Bronze %s: %,d rows (%,d pass) in %.1f s; load %s%n", bronze, records, payments.passing(),
                    (System.nanoTime() - start) / 1e9, loadAverage());

            String into = work.resolve("rebuilt").toString();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(List.of(System.getProperty("bench.backfillJvm", "-Xmx512m").split(" ")));
            command.addAll(List.of("-Djava.io.tmpdir=" + work, "-cp", System.getProperty("java.class.path"), BackfillBenchSide.class.getName(),
                    lake.toString(), contracts.toString(), contract.id(), kit.bootstrapServers(), kit.registryUrl(), HASH_KEY, into,
                    Integer.toString(workers)));
            System.out.printf("load before the backfill: %s%n", loadAverage());
            Map<String, String> result = run(command, work.resolve("backfill.log"));
            System.out.printf("load after the backfill: %s%n", loadAverage());
            long[] rows = {0};
            KernelTable.forEachRow(into, r -> rows[0]++);
            System.out.printf("| Bronze rows | backfill JVM | rows/s | CPU s | CPU us/row | heap peak | peak RSS | GC | spills | Silver rows (Kernel) | expected |%n");
            System.out.printf("| %,d | %s | %,.0f | %s | %.1f | %s MB | %s MB | %s collections, %s s | %s | %,d | %,d |%n", records,
                    System.getProperty("bench.backfillJvm", "-Xmx512m"), Double.parseDouble(result.get("rowsPerSecond")), result.get("cpuSeconds"),
                    Double.parseDouble(result.get("cpuSeconds")) * 1e6 / records, result.get("heapPeakMb"), result.get("peakRssMb"),
                    result.get("gcCount"), result.get("gcSeconds"), result.get("spills"), rows[0], payments.passing());
            if (rows[0] != payments.passing()) {
                throw new IllegalStateException("the rebuilt table holds " + rows[0] + " rows, " + payments.passing() + " pass the contract");
            }
        } finally {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String loadAverage() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static Map<String, String> run(List<String> command, Path log) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> kv = new HashMap<>();
        long lastPrinted = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
             var file = Files.newBufferedWriter(log)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.write(line);
                file.newLine();
                if (line.startsWith("backfill ") && line.contains("rows/s") && System.nanoTime() - lastPrinted > 20_000_000_000L) {
                    System.out.println(line);
                    lastPrinted = System.nanoTime();
                }
                if (line.startsWith("RESULT ")) {
                    System.out.println(line);
                    for (String part : line.substring(7).split(" ")) {
                        String[] x = part.split("=", 2);
                        kv.put(x[0], x[1]);
                    }
                }
            }
        }
        p.waitFor();
        if (kv.isEmpty()) {
            throw new IllegalStateException("no RESULT from the backfill; see the log:\n" + String.join("\n", Files.readAllLines(log).stream()
                    .skip(Math.max(0, Files.readAllLines(log).size() - 60)).toList()));
        }
        return kv;
    }
}
