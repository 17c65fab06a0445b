package io.meshspine.dlq.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.ListPage;
import io.meshspine.dlq.Outcome;
import io.meshspine.dlq.ReplayProgress;
import io.meshspine.dlq.ReplayRequest;
import io.meshspine.dlq.Steward;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineInfrastructureMain;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The workbench over a large queue: N dead letters of one contract on spine.dlq (10,000 of them breaking a rule of
 * their own), then start-up to ready, summary, a filtered list page, and a repair + replay of the 10,000 selected by
 * that rule, with the heap used after each step. Broker and registry run in a child JVM so this JVM's heap
 * ({@code -Xmx256m}) is the workbench's. There is no peer: the figures are the baseline the targets are
 * measured against (summary &lt; 1 s, list page &lt; 1 s, no OutOfMemoryError at 1,000,000 and -Xmx256m).
 */
public final class DlqWorkbenchBench {

    private static final String BENCH_RULE = "bench-selected";

    private DlqWorkbenchBench() {
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        int selected = Math.min(10_000, total / 2);
        Path dir = Files.createTempDirectory("dlq-bench");
        Process infra = null;
        String step = "infrastructure";
        try {
            infra = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"), SpineInfrastructureMain.class.getName())
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("infra.log").toFile())).start();
            Map<String, String> endpoints = readEndpoints(infra);
            String bootstrap = endpoints.get("bootstrap.servers");
            String registryUrl = endpoints.get("registry.url");
            Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "bench");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                new TopicProvisioner(admin, (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                        .filter(t -> t.role() == TopicRole.RAW || t.name().startsWith(Topics.DLQ) || t.name().equals(Topics.AUDIT)).toList());
            }
            step = "publishing dead letters";
            long t0 = System.nanoTime();
            publish(bootstrap, registryUrl, contract, total, selected);
            System.out.printf("published %,d dead letters (%,d breaking %s) in %.1f s%n", total, selected, BENCH_RULE, secs(t0));

            Steward admin = Steward.operator("bench");
            DlqConfig config = DlqConfig.defaults(bootstrap, registryUrl).withHttpPort(0).withReplayBatch(500)
                    .withStateDir(dir.resolve("dlq-index"));
            ContractCatalog catalog = ContractCatalog.of(List.of(contract));
            step = "start-up";
            long start = System.nanoTime();
            long startCpu = cpuNanos();
            try (DlqWorkbench bench = DlqWorkbench.open(config, catalog, DlqWorkbenchBench::progress)) {
                double startup = secs(start);
                System.out.printf("start-up to ready: %.1f s%s, heap used %d MB%n", startup, cpuMs(startCpu), heapMb());

                step = "summary";
                long s = System.nanoTime();
                long c = cpuNanos();
                var summary = bench.summary(DeadLetterFilter.active(), admin);
                System.out.printf("summary: %,d dead letters, %d rows in %d ms%s%n", summary.total(), summary.rows().size(), ms(s), cpuMs(c));
                s = System.nanoTime();
                c = cpuNanos();
                bench.summary(DeadLetterFilter.active(), admin);
                System.out.printf("summary again: %d ms%s, heap used %d MB%n", ms(s), cpuMs(c), heapMb());

                step = "list page";
                DeadLetterFilter byRule = DeadLetterFilter.parse(Map.of("rule", List.of(BENCH_RULE)));
                s = System.nanoTime();
                c = cpuNanos();
                ListPage page = bench.page(byRule, admin, ListPage.Order.NEWEST, null, 50);
                System.out.printf("list page (rule=%s, 50 of %,d): %d ms%s, heap used %d MB%n", BENCH_RULE, page.total(), ms(s), cpuMs(c), heapMb());
                s = System.nanoTime();
                c = cpuNanos();
                ListPage second = bench.page(byRule, admin, ListPage.Order.NEWEST, page.nextCursor(), 50);
                System.out.printf("next list page (%d items): %d ms%s%n", second.items().size(), ms(s), cpuMs(c));
                DeadLetterFilter byCorrelation = DeadLetterFilter.parse(Map.of("correlation-id", List.of("corr-" + (total / 2))));
                s = System.nanoTime();
                c = cpuNanos();
                ListPage scanned = bench.page(byCorrelation, admin, ListPage.Order.NEWEST, null, 50);
                System.out.printf("list page (correlation-id: not in the counts, one read of the whole index in time order for the total, %d of %,d): %d ms%s%n",
                        scanned.items().size(), scanned.total(), ms(s), cpuMs(c));

                step = "repair";
                s = System.nanoTime();
                ActionReport repair = bench.repair(byRule, new ObjectMapper().readTree("{\"currency\":\"AUD\"}"), admin);
                System.out.printf("repair of %,d: %.1f s (%s), heap used %d MB%n", repair.count(Outcome.REPAIRED), secs(s), repair.countsJson(), heapMb());
                step = "replay";
                s = System.nanoTime();
                ActionReport replay = bench.replay(ReplayRequest.dryRun(byRule).forReal(), admin, ReplayProgress.NONE);
                double replaySeconds = secs(s);
                System.out.printf("replay of %,d: %.1f s = %,.0f/s (%s), heap used %d MB%n", replay.count(Outcome.REPLAYED), replaySeconds,
                        replay.count(Outcome.REPLAYED) / replaySeconds, replay.countsJson(), heapMb());
                s = System.nanoTime();
                var after = bench.summary(DeadLetterFilter.active(), admin);
                System.out.printf("summary after the replay: %,d active in %d ms%n", after.total(), ms(s));
            }
            step = "restart";
            start = System.nanoTime();
            startCpu = cpuNanos();
            try (DlqWorkbench bench = DlqWorkbench.open(config, catalog, DlqWorkbenchBench::progress)) {
                System.out.printf("restart to ready (index kept, caught up): %.1f s%s, %,d indexed, heap used %d MB%n", secs(start),
                        cpuMs(startCpu), bench.indexed(), heapMb());
            }
            try (var files = Files.walk(dir.resolve("dlq-index"))) {
                System.out.printf("index on disk: %d MB%n", files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum() / 1_000_000);
            }
            System.out.printf("load average at the end: %.1f on %d cores%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("RESULT total=%d max_heap_mb=%d peak_heap_mb=%d%n", total, Runtime.getRuntime().maxMemory() / 1_000_000, peakHeapMb());
        } catch (OutOfMemoryError e) {
            System.out.printf("RESULT total=%d OutOfMemoryError during %s (max heap %d MB)%n", total, step, Runtime.getRuntime().maxMemory() / 1_000_000);
        } finally {
            if (infra != null) {
                infra.getOutputStream().close();
                infra.waitFor();
            }
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void progress(String topic, long read, long behind, boolean done) {
        if (done || read % 100_000 < 2_000) {
            System.err.printf("  loading %s: %,d of %,d%s%n", topic, read, behind, done ? " (done)" : "");
        }
    }

    private static void publish(String bootstrap, String registryUrl, Contract contract, int total, int selected) {
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(registryUrl));
        long writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        long envelopeId = DeadLetterCodec.contentId(registry);
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            int every = Math.max(1, total / selected);
            for (int i = 0; i < total; i++) {
                GenericRecord value = samples.valid((long) i, Instant.now().minusSeconds(60));
                value.put("currency", "aud");
                boolean mine = i % every == 0 && i / every < selected;
                OriginalRecord original = new OriginalRecord(contract.rawTopic(), 0, (long) i, System.currentTimeMillis(),
                        value.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8), WireFormat.encode(writerId, contract.avroSchema(), value),
                        List.of(new OriginalRecord.Header(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8("corr-" + i))));
                DeadLetter d = DeadLetter.ruleViolations(new DeadLetter.Origin("gate", original, contract.qualifiedName(), contract.version(),
                        "corr-" + i, 0, Instant.now(), Map.of()),
                        List.of(new RuleViolation(mine ? BENCH_RULE : "currency-iso-4217", Severity.ERROR, "currency", "not an ISO-4217 code")));
                producer.send(new ProducerRecord<>(Topics.DLQ, original.key(), WireFormat.encode(envelopeId, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d))));
            }
            producer.flush();
        }
    }

    private static Map<String, String> readEndpoints(Process infra) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(infra.getInputStream(), StandardCharsets.UTF_8));
        Map<String, String> values = new HashMap<>();
        for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    private static long heapMb() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1_000_000;
    }

    private static long peakHeapMb() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum() / 1_000_000;
    }

    private static double secs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** This thread's CPU time: what a step costs whatever else the machine runs (it is shared while this runs). */
    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static String cpuMs(long startCpu) {
        return " (this thread's CPU " + (cpuNanos() - startCpu) / 1_000_000 + " ms)";
    }
}
