package io.meshspine.sink.bench;

import io.delta.kernel.data.Row;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.sink.LakeTables;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.KernelTable;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The lake sink against its peer, Spark 4.0 Structured Streaming (Kafka to Delta), in the same run, on the same topic of
 * payments records: at equal batch size and in one batch. Each side runs alone in its own JVM with the same heap limit
 * and reports records/s (start of consumption to the last row committed) and its peak RSS (VmHWM); both tables are then
 * read with Delta Kernel and compared (row count, distinct ids, sum of amounts, sum of event times).
 *
 * <p>Run with {@code lake-sink/spark-bench/run-bench.sh [records] [batch]} (it builds the Spark peer's classpath).
 */
public final class SinkBench {

    record Result(String side, long records, double seconds, double perSecond, long peakRssMb, double cpuSeconds) {
    }

    record Digest(long rows, long distinctIds, BigDecimal amounts, long occurredAtSum) {
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
        int batch = Integer.parseInt(args[1]);
        // "-" runs our side alone (profiling); -Dbench.oursJvmArgs adds JVM options to our side (e.g. a flight recording).
        String sparkClasspath = args[2].equals("-") ? null : Files.readString(Path.of(args[2])).trim();
        List<String> oursExtra = System.getProperty("bench.oursJvmArgs", "").isBlank() ? List.of()
                : List.of(System.getProperty("bench.oursJvmArgs").split(" "));
        // JVM options of each side, space separated: each side runs as it would be deployed.
        String heap = args.length > 3 ? args[3] : "-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:ReservedCodeCacheSize=48m";
        String sparkHeap = args.length > 4 ? args[4] : "-Xmx2g";
        Path work = Files.createTempDirectory("sink-bench");
        SpineTestKit kit = SpineTestKit.shared();

        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "bench");
        kit.createTopic(contract.productTopic(), 2);
        kit.createTopic(contract.rawTopic(), 2);
        Path contracts = work.resolve("contracts");
        ContractFixtures.writeFiles(contract, Path.of(System.getProperty("meshspine.schemas", "schemas")), "payments", contracts);
        Path schemaFile = work.resolve("schema.avsc");
        Files.writeString(schemaFile, contract.avroSchema().toString());
        produce(kit, contract, records);

        if (Boolean.getBoolean("bench.lineage")) {
            lineageOverhead(kit, contract, contracts, work, heap, batch, records, Integer.getInteger("bench.runs", 3));
            return;
        }
        List<Result> results = new ArrayList<>();
        // -Dbench.batchesOnly=true: only the batch mode (an A/B of our side without Spark, repeated on a loaded machine).
        int[] modes = Boolean.getBoolean("bench.batchesOnly") ? new int[]{batch} : new int[]{batch, (int) records};
        for (int mode : modes) {
            String label = mode == records ? "one batch" : "batch " + mode;
            Path lake = work.resolve("lake-" + mode);
            String silver = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
            List<String> oursCommand = new ArrayList<>(List.of(java()));
            oursCommand.addAll(List.of(heap.split(" ")));
            oursCommand.addAll(oursExtra);
            oursCommand.addAll(List.of("-cp", System.getProperty("java.class.path"), OurSinkSide.class.getName(),
                    kit.bootstrapServers(), kit.registryUrl(), contracts.toString(), lake.toString(), silver, Integer.toString(mode),
                    Long.toString(records)));
            Result ours = run(oursCommand, work.resolve("ours-" + mode + ".log"));
            // The physical limit in the same run: the same rows from memory, Parquet + delta-standalone alone.
            List<String> aloneCommand = new ArrayList<>(List.of(java()));
            aloneCommand.addAll(List.of(heap.split(" ")));
            aloneCommand.addAll(List.of("-cp", System.getProperty("java.class.path"), WriteAloneSide.class.getName(), contracts.toString(),
                    work.resolve("alone-" + mode).toString(), Integer.toString(mode), Long.toString(records)));
            Result alone = run(aloneCommand, work.resolve("alone-" + mode + ".log"));
            System.out.printf("| %-10s | meshspine %,9.0f rec/s end to end | write alone %,9.0f rec/s | sink / limit %.0f %% (target >= 60 %%) |%n",
                    label, ours.perSecond(), alone.perSecond(), 100 * ours.perSecond() / alone.perSecond());
            if (sparkClasspath == null) {
                System.out.printf("| %-10s | meshspine %,9.0f rec/s, %5d MB peak RSS |%n", label, ours.perSecond(), ours.peakRssMb());
                continue;
            }
            String sparkTable = work.resolve("spark-" + mode).toUri().toString();
            List<String> sparkCommand = new ArrayList<>(List.of(java()));
            sparkCommand.addAll(List.of(sparkHeap.split(" ")));
            sparkCommand.addAll(List.of("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                    "-cp", sparkClasspath, "io.meshspine.sink.sparkbench.SparkPeer", kit.bootstrapServers(), contract.productTopic(),
                    schemaFile.toString(), sparkTable, work.resolve("spark-cp-" + mode).toString(),
                    Long.toString(mode == records ? 0 : mode), Long.toString(records)));
            Result spark = run(sparkCommand, work.resolve("spark-" + mode + ".log"));
            Digest a = digest(silver);
            Digest b = digest(sparkTable);
            System.out.printf("%s: same rows on both sides: %s (%s | %s)%n", label, a.equals(b), a, b);
            if (!a.equals(b)) {
                throw new IllegalStateException("the two sides wrote different rows");
            }
            results.add(ours);
            results.add(spark);
            System.out.printf("| %-10s | meshspine %,9.0f rec/s, %5d MB peak RSS, %.1f CPU s | Spark %,9.0f rec/s, %5d MB peak RSS, %.1f CPU s"
                            + " | speed x%.1f, RSS x%.2f | write alone %,9.0f rec/s, sink at %.0f %% of it |%n",
                    label, ours.perSecond(), ours.peakRssMb(), ours.cpuSeconds(), spark.perSecond(), spark.peakRssMb(), spark.cpuSeconds(),
                    ours.perSecond() / spark.perSecond(), (double) ours.peakRssMb() / spark.peakRssMb(), alone.perSecond(),
                    100 * ours.perSecond() / alone.perSecond());
        }
        Path logs = Path.of("lake-sink/target/bench-logs");
        Files.createDirectories(logs);
        try (Stream<Path> files = Files.list(work)) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                Files.copy(log, logs.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        deleteRecursively(work);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code -Dbench.lineage=true}: our side with lineage off and on (file transport, a START and a COMPLETE per commit),
     * interleaved {@code -Dbench.runs} times on the same topic, each run on a fresh lake; prints each pair and the ratio.
     */
    private static void lineageOverhead(SpineTestKit kit, Contract contract, Path contracts, Path work, String heap, int batch, long records,
                                        int runs) throws IOException, InterruptedException {
        List<Double> ratios = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            double[] perSecond = new double[2];
            for (int on = 0; on < 2; on++) {
                Path lake = work.resolve("lineage-" + run + "-" + on);
                String silver = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
                List<String> command = new ArrayList<>(List.of(java()));
                command.addAll(List.of(heap.split(" ")));
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), OurSinkSide.class.getName(), kit.bootstrapServers(),
                        kit.registryUrl(), contracts.toString(), lake.toString(), silver, Integer.toString(batch), Long.toString(records)));
                Path events = work.resolve("events-" + run + ".jsonl");
                if (on == 1) {
                    command.add(events.toString());
                }
                Result r = run(command, work.resolve("lineage-" + run + "-" + on + ".log"));
                perSecond[on] = r.perSecond();
                if (on == 1) {
                    System.out.printf("| run %d | lineage off %,9.0f rec/s | lineage on %,9.0f rec/s (%d events) | on / off %.3f |%n", run,
                            perSecond[0], perSecond[1], Files.readAllLines(events).size(), perSecond[1] / perSecond[0]);
                }
            }
            ratios.add(perSecond[1] / perSecond[0]);
        }
        System.out.printf("lineage on / off over %d runs: min %.3f, median %.3f, max %.3f%n", runs, ratios.stream().min(Double::compare).orElseThrow(),
                ratios.stream().sorted().toList().get(ratios.size() / 2), ratios.stream().max(Double::compare).orElseThrow());
    }

    private static Result run(List<String> command, Path log) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Fewer glibc malloc arenas: the same setting for both sides, it trims native memory that threads leave behind.
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        Process p = builder.start();
        Result result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
             var file = Files.newBufferedWriter(log)) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                file.write(line);
                file.newLine();
                if (line.startsWith("RESULT ")) {
                    Map<String, String> kv = new HashMap<>();
                    for (String part : line.substring(7).split(" ")) {
                        String[] x = part.split("=", 2);
                        kv.put(x[0], x[1]);
                    }
                    result = new Result(kv.get("side"), Long.parseLong(kv.get("records")), Double.parseDouble(kv.get("seconds")),
                            Double.parseDouble(kv.get("recordsPerSecond")), Long.parseLong(kv.get("peakRssMb")),
                            Double.parseDouble(kv.getOrDefault("cpuSeconds", "-1")));
                    break;
                }
            }
        }
        p.destroy();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        if (result == null) {
            throw new IllegalStateException("no RESULT from " + command.get(command.size() - 7) + "; see " + log);
        }
        System.out.println(result);
        return result;
    }

    private static void produce(SpineTestKit kit, Contract contract, long records) {
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long valueId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.productTopic()), contract.avroSchema());
        long keyId = registry.contentIdFor(contract.domain(), ContractRegistrar.keyArtifact(contract.productTopic()), contract.keySchema());
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        Map<String, Object> config = new HashMap<>(kit.producerConfig());
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        Instant base = Instant.parse("2025-05-01T00:00:00Z");
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                GenericRecord r = samples.valid(i, base.plusSeconds(i * 2));
                GenericData.Record key = new GenericData.Record(contract.keySchema());
                key.put("transaction_id", r.get("transaction_id"));
                producer.send(new ProducerRecord<>(contract.productTopic(), WireFormat.encode(keyId, contract.keySchema(), key),
                        WireFormat.encode(valueId, contract.avroSchema(), r)));
            }
            producer.flush();
        }
        System.out.printf("produced %,d payments in %.1f s%n", records, (System.nanoTime() - start) / 1e9);
    }

    /** Row count, distinct ids, sum of amounts and of event times, read with Delta Kernel. */
    static Digest digest(String tablePath) {
        java.util.HashSet<String> ids = new java.util.HashSet<>();
        long[] rowsAndOccurred = new long[2];
        BigDecimal[] amounts = {BigDecimal.ZERO};
        KernelTable.forEachRow(tablePath, r -> {
            var schema = r.getSchema();
            rowsAndOccurred[0]++;
            ids.add(r.getString(schema.indexOf("transaction_id")));
            amounts[0] = amounts[0].add(r.getDecimal(schema.indexOf("amount")));
            rowsAndOccurred[1] += r.getLong(schema.indexOf("occurred_at"));
        });
        return new Digest(rowsAndOccurred[0], ids.size(), amounts[0], rowsAndOccurred[1]);
    }
}
