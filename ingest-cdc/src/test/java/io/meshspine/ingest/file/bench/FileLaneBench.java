package io.meshspine.ingest.file.bench;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.file.FileLane;
import io.meshspine.ingest.file.FileLaneConfig;
import io.meshspine.ingest.file.FileOutcome;
import io.meshspine.ingest.file.SampleLoans;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineInfrastructureMain;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * File-lane throughput and peak heap on a large CSV of loan applications (default 1 GB), against a broker and a
 * registry in a JVM of their own, so that this JVM's heap is the lane's alone. Run it with {@code -Xmx256m}.
 * The peer in the same run: a plain producer sending the same file's lines as bytes (no parsing, typing, Avro or
 * transactions) — the ceiling the broker path allows on this machine.
 *
 * <p>Arguments: [megabytes, default 1024] [chunk rows, default 100000].
 */
public final class FileLaneBench {

    private FileLaneBench() {
    }

    public static void main(String[] args) throws Exception {
        long megabytes = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int chunkRows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Path dir = Files.createTempDirectory("file-lane-bench");
        Process infra = null;
        try {
            infra = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"), SpineInfrastructureMain.class.getName())
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("infra.log").toFile())).start();
            Map<String, String> endpoints = readEndpoints(infra);
            String bootstrap = endpoints.get("bootstrap.servers");
            String registry = endpoints.get("registry.url");

            Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("lending.loan_applications", 1).orElseThrow(), "bench");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                new TopicProvisioner(admin, (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                        .filter(t -> t.role() == TopicRole.RAW || t.name().equals(Topics.DLQ) || t.name().equals(Topics.INGEST_FILES)).toList());
                admin.createTopics(List.of(new NewTopic(contract.rawTopic() + ".peer", TopicCatalogue.Settings.defaults().dataPartitions(),
                        (short) 1))).all().get();
            }

            Path landing = dir.resolve("landing");
            Path file = landing.resolve("lending/loan_applications/bench.csv");
            long rows = generate(file, megabytes * 1_000_000L);
            long bytes = Files.size(file);
            System.out.printf("generated %,d rows, %,d bytes in %s%n", rows, bytes, file);

            // The peer first: it also warms the broker's log for the lane.
            HeapWatch peerHeap = HeapWatch.start();
            long peerStart = System.nanoTime();
            long peerRows = plainProduce(file, bootstrap, contract.rawTopic() + ".peer");
            double peerSeconds = (System.nanoTime() - peerStart) / 1e9;
            peerHeap.stop();

            HeapWatch laneHeap = HeapWatch.start();
            FileLaneConfig config = FileLaneConfig.defaults(bootstrap, registry, landing).withChunkRows(chunkRows)
                    .withTransactionalId("file-lane-bench");
            long start = System.nanoTime();
            FileOutcome outcome;
            try (FileLane lane = FileLane.open(config, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry())) {
                outcome = lane.ingest(file);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            laneHeap.stop();

            System.out.printf("%nfile lane : %,d rows (%,d dead letters) %,.0f MB in %.1f s = %,.0f rows/s, %.1f MB/s; peak heap used %d MB (max %d MB)%n",
                    outcome.rows(), outcome.deadLetters(), bytes / 1e6, seconds, (outcome.rows() + outcome.deadLetters()) / seconds,
                    bytes / 1e6 / seconds, laneHeap.peakMb(), Runtime.getRuntime().maxMemory() / 1_000_000);
            System.out.printf("peer      : plain producer of the lines as bytes: %,d rows in %.1f s = %,.0f rows/s; peak heap used %d MB%n",
                    peerRows, peerSeconds, peerRows / peerSeconds, peerHeap.peakMb());
            System.out.printf("ratio     : file lane / peer = %.2f%n", (outcome.rows() / seconds) / (peerRows / peerSeconds));
        } finally {
            if (infra != null) {
                infra.getOutputStream().close();
                infra.waitFor();
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Map<String, String> readEndpoints(Process infra) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(infra.getInputStream(), StandardCharsets.UTF_8));
        Map<String, String> values = new java.util.HashMap<>();
        for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    private static long generate(Path file, long targetBytes) throws IOException {
        Files.createDirectories(file.getParent());
        long rows = 0;
        long written = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(SampleLoans.HEADER);
            out.write('\n');
            while (written < targetBytes) {
                String row = SampleLoans.row("bench", rows++);
                out.write(row);
                out.write('\n');
                written += row.length() + 1;
            }
        }
        return rows;
    }

    private static long plainProduce(Path file, String bootstrap, String topic) throws IOException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        long rows = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            in.readLine();
            for (String line; (line = in.readLine()) != null; ) {
                producer.send(new ProducerRecord<>(topic, line.getBytes(StandardCharsets.UTF_8)));
                rows++;
            }
            producer.flush();
        }
        return rows;
    }

    /** Samples heap used every 20 ms; the max is the peak the lane needed (young garbage included, so an upper bound). */
    private static final class HeapWatch {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long peak;

        private HeapWatch() {
            List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(m -> m.getType() == MemoryType.HEAP).toList();
            heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
            thread = new Thread(() -> {
                while (running) {
                    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    peak = Math.max(peak, used);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-watch");
            thread.setDaemon(true);
        }

        static HeapWatch start() {
            System.gc();
            HeapWatch w = new HeapWatch();
            w.thread.start();
            return w;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        long peakMb() {
            return peak / 1_000_000;
        }
    }
}
