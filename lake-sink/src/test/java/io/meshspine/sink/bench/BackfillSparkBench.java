package io.meshspine.sink.bench;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.sink.internal.BronzeFixture;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineTestKit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue #17's benchmark against Spark: our backfill and a Spark 4.0 batch job ({@code SparkBackfillPeer} in
 * lake-sink/spark-bench) rebuilding the payments Silver table from the same Bronze Delta table, in the same run, each in
 * its own JVM with its own heap limit, in alternating order over {@code runs} rounds. The Bronze table holds the rows
 * {@link BackfillBench} produces (the same {@link BenchPayments}: one in 50 refused by the currency rule, one in 100 a
 * re-send), written in clear with the sink's own Bronze writer ({@link BronzeFixture}) in files of 25,000 rows, four per
 * commit, as the live sink at a trigger of 100,000 records leaves it. Each side's output is read with Delta Kernel
 * (rows, distinct ids, sum of amounts and of event times; the masked columns differ by design, HMAC against sha2) and
 * must equal the other's and the number of rows the contract passes.
 *
 * <p>{@code lake-sink/spark-bench/run-backfill-bench.sh [records] [runs] [workers] [our JVM options] [Spark JVM options]}
 */
public final class BackfillSparkBench {

    private static final String HASH_KEY = "backfill-bench-hash-key-0123456789";
    /** The live sink's Bronze files at a trigger of 100,000 records over 4 raw partitions. */
    private static final int BRONZE_ROWS_PER_FILE = 25_000;

    record Side(String side, long records, long silverRows, double seconds, double rowsPerSecond, long peakRssMb, double cpuSeconds,
                double processSeconds) {
    }

    public static void main(String[] args) {
        int status = 1;
        try {
            bench(args);
            status = 0;
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            // The in-process broker's threads would keep the JVM alive.
            System.exit(status);
        }
    }

    private static void bench(String[] args) throws Exception {
        long records = Long.parseLong(args[0]);
        int runs = Integer.parseInt(args[1]);
        String workers = args[2];
        List<String> oursJvm = List.of(args[3].split(" "));
        List<String> sparkJvm = List.of(args[4].split(" "));
        String sparkClasspath = Files.readString(Path.of(args[5])).trim();
        Path work = Files.createTempDirectory("backfill-spark-bench");
        try {
            SpineTestKit kit = SpineTestKit.shared();
            Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "bfspark");
            new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
            Path contracts = work.resolve("contracts");
            ContractFixtures.writeFiles(contract, Path.of(System.getProperty("meshspine.schemas", "schemas")), "payments", contracts);
            Path schemaFile = work.resolve("writer.avsc");
            Files.writeString(schemaFile, contract.avroSchema().toString());
            Path currencies = work.resolve("currencies.txt");
            Files.writeString(currencies, String.join(",", currencies(contract)));
            Path lake = work.resolve("lake");
            RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
            long writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
            BenchPayments payments = new BenchPayments(contract, writerId, records);
            long start = System.nanoTime();
            String bronze = BronzeFixture.write(contract, lake.toString(), registry, payments, BRONZE_ROWS_PER_FILE, 4);
            System.out.printf("wrote Bronze %s: %,d rows (%,d pass) in %.1f s, files of %,d rows; load %s%n", bronze, records, payments.passing(),
                    (System.nanoTime() - start) / 1e9, BRONZE_ROWS_PER_FILE, loadAverage());

            List<String> table = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                Map<String, Side> sides = new HashMap<>();
                Map<String, String> loads = new HashMap<>();
                Map<String, SinkBench.Digest> digests = new HashMap<>();
                for (String side : run % 2 == 1 ? List.of("ours", "spark") : List.of("spark", "ours")) {
                    String into = work.resolve(side + "-" + run).toString();
                    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
                    String before = loadAverage();
                    if (side.equals("ours")) {
                        command.addAll(oursJvm);
                        command.addAll(List.of("-Djava.io.tmpdir=" + work, "-cp", System.getProperty("java.class.path"), BackfillBenchSide.class.getName(),
                                lake.toString(), contracts.toString(), contract.id(), kit.bootstrapServers(), kit.registryUrl(), HASH_KEY, into, workers));
                    } else {
                        command.addAll(sparkJvm);
                        command.addAll(List.of("-Djava.io.tmpdir=" + work, "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
                                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "-cp", sparkClasspath,
                                "io.meshspine.sink.sparkbench.SparkBackfillPeer", bronze, schemaFile.toString(), currencies.toString(), HASH_KEY,
                                Path.of(into).toUri().toString()));
                    }
                    Side result = run(side, command, work.resolve(side + "-" + run + ".log"));
                    loads.put(side, before.split(" ")[0] + " / " + loadAverage().split(" ")[0]);
                    SinkBench.Digest digest = SinkBench.digest(into);
                    System.out.printf("run %d %s: %s; Kernel: %s%n", run, side, result, digest);
                    if (digest.rows() != payments.passing() || digest.distinctIds() != payments.passing() || digest.rows() != result.silverRows()) {
                        throw new IllegalStateException(side + " wrote " + digest.rows() + " rows (" + digest.distinctIds() + " distinct ids; it says "
                                + result.silverRows() + "), " + payments.passing() + " pass the contract");
                    }
                    sides.put(side, result);
                    digests.put(side, digest);
                    deleteRecursively(Path.of(into));
                }
                if (!digests.get("ours").equals(digests.get("spark"))) {
                    throw new IllegalStateException("the two sides wrote different rows: " + digests.get("ours") + " | " + digests.get("spark"));
                }
                Side ours = sides.get("ours");
                Side spark = sides.get("spark");
                table.add(String.format("| %d | %s | %s; %s | %,.0f | %,.0f | **%.1fx** | %.1f / %.1f | %d / %d MB | %.1f / %.1f s | %,d = %,d |",
                        run, run % 2 == 1 ? "ours, Spark" : "Spark, ours", loads.get("ours"), loads.get("spark"), ours.rowsPerSecond(),
                        spark.rowsPerSecond(), ours.rowsPerSecond() / spark.rowsPerSecond(), ours.cpuSeconds(), spark.cpuSeconds(), ours.peakRssMb(),
                        spark.peakRssMb(), ours.processSeconds(), spark.processSeconds(), ours.silverRows(), spark.silverRows()));
            }
            System.out.printf("%nBronze %,d rows, our JVM %s, Spark JVM %s%n", records, String.join(" ", oursJvm), String.join(" ", sparkJvm));
            System.out.println("| run | order | load (1 min) before / after: ours; Spark | ours rows/s | Spark rows/s | ours / Spark | CPU s ours / Spark"
                    + " | peak RSS ours / Spark | process wall ours / Spark | Silver rows ours = Spark |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            table.forEach(System.out::println);
        } finally {
            deleteRecursively(work);
        }
    }

    /** The allowed values of the contract's currency rule: the Spark job filters on the same list. */
    private static List<String> currencies(Contract contract) {
        return contract.rules().rules().stream().filter(r -> r instanceof QualityRule.AllowedValues a && a.field().equals("currency"))
                .map(r -> ((QualityRule.AllowedValues) r).values()).findFirst()
                .orElseThrow(() -> new IllegalStateException(contract.qualifiedName() + " has no allowed-values rule on currency"));
    }

    /** Runs one side to its end; its output goes to the log, its RESULT line is parsed. */
    private static Side run(String side, List<String> command, Path log) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Fewer glibc malloc arenas, as in SinkBench: the same setting for both sides.
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        long start = System.nanoTime();
        Process p = builder.start();
        Map<String, String> kv = new HashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
             var file = Files.newBufferedWriter(log)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.write(line);
                file.newLine();
                if (line.startsWith("RESULT ")) {
                    for (String part : line.substring(7).split(" ")) {
                        String[] x = part.split("=", 2);
                        kv.put(x[0], x[1]);
                    }
                }
            }
        }
        int exit = p.waitFor();
        double processSeconds = (System.nanoTime() - start) / 1e9;
        if (kv.isEmpty()) {
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException("no RESULT from the " + side + " side (exit " + exit + "); its log's end:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }
        Files.createDirectories(Path.of("lake-sink/target/bench-logs"));
        Files.copy(log, Path.of("lake-sink/target/bench-logs").resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new Side(side, Long.parseLong(kv.get("records")), Long.parseLong(kv.get("silverRows")), Double.parseDouble(kv.get("seconds")),
                Double.parseDouble(kv.get("rowsPerSecond")), Long.parseLong(kv.get("peakRssMb")), Double.parseDouble(kv.get("cpuSeconds")),
                processSeconds);
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
