package io.meshspine.cli;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.KafkaStreamsOps;
import io.meshspine.core.ops.OpsServer;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.core.config.CommonSettings;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkService;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.SpineInfrastructure;
import io.meshspine.testkit.internal.TempDirs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./spine demo}: the embedded default. A real broker and the real registry on free loopback ports, then
 * every pipeline stage that exists, on sample data. Runs until Ctrl-C or SIGTERM, then stops everything it
 * started and exits 0.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole spine on this machine: embedded Kafka broker, Apicurio Registry, and the pipeline on sample data.",
                "Stops cleanly on Ctrl-C (SIGINT) or SIGTERM."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--kafka", paramLabel = "<embedded|host:port>", defaultValue = "embedded",
            description = "Broker to use: the embedded one (default) or an external cluster's bootstrap servers.")
    String kafka;

    @Option(names = "--registry", paramLabel = "<embedded|url>", defaultValue = "embedded",
            description = "Registry to use: the embedded Apicurio server (default) or an external one's base URL.")
    String registry;

    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "Port of the embedded broker when free, else any free port; 0 for any (default: ${DEFAULT-VALUE}, as in docker-compose.yml).")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8080",
            description = "Port of the embedded registry when free, else any free port; 0 for any (default: ${DEFAULT-VALUE}, as in docker-compose.yml).")
    int registryPort;

    @Option(names = "--rate", defaultValue = "50",
            description = "Synthetic payments events per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--bad-share", defaultValue = "0.15",
            description = "Share of synthetic events that are bad, each bad kind in turn (default: ${DEFAULT-VALUE}).")
    double badShare;

    @Option(names = "--ops-port", defaultValue = "9400",
            description = "Port of /metrics and /health when free, else any free port; 0 for any (default: ${DEFAULT-VALUE}).")
    int opsPort;

    @Option(names = "--ops-host", defaultValue = "127.0.0.1",
            description = "Address of /metrics and /health (0.0.0.0 to let a Prometheus in a container scrape it) (default: ${DEFAULT-VALUE}).")
    String opsHost;

    @Option(names = "--dlq-port", defaultValue = "9410",
            description = "Port of the stewards' workbench (HTTP API and web page) when free, else any free port; 0 for any (default: ${DEFAULT-VALUE}).")
    int dlqPort;

    @Option(names = "--landing", paramLabel = "<dir>",
            description = "Landing area of the file lane (default: ./landing in the repository).")
    Path landing;

    @Option(names = "--lake", paramLabel = "<dir>",
            description = "Lake root the sink writes Delta tables into (default: ./lake in the repository).")
    Path lake;

    @Option(names = "--embedded-dir", paramLabel = "<dir>",
            description = "Where the demo's own PostgreSQL and MariaDB run when the machine's are missing or not set up for CDC "
                    + "(default: /tmp/meshspine-embedded; the unpacked PostgreSQL binaries are kept there).")
    Path embeddedDir;

    private Path lake() {
        return SpineHome.orDefault(lake, "lake");
    }

    /**
     * Batches of at most 5 s so the tables visibly grow. With the embedded broker and registry the lake is emptied first:
     * the previous run's tables hold that run's sample data, schema ids and offsets, of a broker and registry now gone.
     */
    private SinkConfig demoSink(String bootstrap, String registryUrl, PrintStream out) {
        Path root = lake();
        if ("embedded".equals(kafka) && java.nio.file.Files.exists(root)) {
            TempDirs.deleteQuietly(root);
        }
        out.printf("  lake      %s (Delta: bronze/<domain>/<dataset>, silver/<domain>/<dataset>_v<major>; batches of at most 5 s)%n", root);
        out.println("  note      Bronze PII is encrypted under the built-in demo master key (spine.privacy.keys); set privacy.master-key for real data");
        return SinkConfig.defaults(bootstrap, registryUrl).withLakeRoot(root.toString())
                .withTrigger(new BatchTrigger(BatchTrigger.DEFAULT.maxRecords(), BatchTrigger.DEFAULT.maxBytes(), Duration.ofSeconds(5)))
                .withPrivacy(io.meshspine.core.privacy.PrivacyConfig.DEMO)
                .withLineage(demoLineage(bootstrap));
    }

    /**
     * The demo's run events: JSON lines in {@code lineage/events.jsonl} beside the lake ({@code ./lineage/events.jsonl} by
     * default), the gate's intervals and the CDC streams' RUNNING events every 10 s; and each event on {@code spine.lineage}
     * too, which the sink folds into {@code <lake>/ops/pipeline_runs} ({@code ./spine runs}).
     */
    private io.meshspine.core.lineage.LineageConfig demoLineage(String bootstrap) {
        return io.meshspine.core.lineage.LineageConfig.toFile(lineageFile())
                .withRunningInterval(Duration.ofSeconds(10))
                .withKafka(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)).withRunHistory(true);
    }

    private Path lineageFile() {
        return lake().toAbsolutePath().getParent().resolve("lineage").resolve("events.jsonl");
    }

    private Path landing() {
        return SpineHome.orDefault(landing, "landing");
    }

    @Override
    public Integer call() {
        PrintStream out = io.meshspine.cli.internal.WholeLines.stdout();
        CountDownLatch stop = new CountDownLatch(1);
        // Our own handlers, so that a signal means "stop cleanly and exit 0" rather than the JVM's 130/143.
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());

        long start = System.nanoTime();
        out.println("meshspine demo: starting the embedded broker and registry...");
        try (SpineInfrastructure infrastructure = SpineInfrastructure.start(kafka, registry, kafkaPort, registryPort)) {
            out.printf("  kafka     %s%n", infrastructure.kafka().bootstrapServers());
            out.printf("            %s%n", infrastructure.kafka().describe());
            out.printf("  registry  %s%n", infrastructure.registry().registryUrl());
            out.printf("            %s%n", infrastructure.registry().describe());
            ContractCatalog contracts = ContractCatalog.fromClasspath();
            TopicProvisioner.Report topics;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.kafka().bootstrapServers()))) {
                topics = new TopicProvisioner(admin, (short) 1).provision(TopicCatalogue.of(contracts.contracts()).topics());
            }
            List<ContractRegistrar.Registration> schemas = new ContractRegistrar(
                    new ApicurioClient(infrastructure.registry().registryUrl())).register(contracts.contracts());
            out.printf("  contracts %s%n", contracts.contracts().stream().map(Contract::qualifiedName).collect(Collectors.joining(", ")));
            out.printf("            %d topics provisioned, %d schema artifacts registered%n",
                    topics.changes().size() + topics.unchanged(), schemas.size());
            Path stateDir = TempDirs.create("spine-demo-gate-");
            String bootstrap = infrastructure.kafka().bootstrapServers();
            String registryUrl = infrastructure.registry().registryUrl();
            Health health = new Health();
            String hashKey = demoHashKey(out);
            try (SpineMetrics metrics = new SpineMetrics("demo");
                 OpsServer ops = new OpsServer(opsHost, FreePorts.preferredOrNext(opsPort), metrics, health).start();
                 ContractGateService gate = ContractGateService.start(GateSettings.parse(java.util.Map.of(CommonSettings.KAFKA_BOOTSTRAP_SERVERS.key(), bootstrap,
                                 CommonSettings.REGISTRY_URL.key(), registryUrl, GateSettings.HASH_KEY.key(), hashKey,
                                 GateSettings.STATE_DIR.key(), stateDir.toString(),
                                 io.meshspine.core.lineage.LineageSettings.TRANSPORT.key(), "file",
                                 io.meshspine.core.lineage.LineageSettings.FILE.key(), lineageFile().toString(),
                                 io.meshspine.core.lineage.LineageSettings.RUN_HISTORY.key(), "true",
                                 io.meshspine.core.lineage.LineageSettings.RUNNING_INTERVAL.key(), "10s")),
                         contracts, metrics.registry(), ProductTransform.NONE);
                 DemoTraffic traffic = new DemoTraffic(contracts.latest("payments.transactions").orElseThrow(), bootstrap,
                         new RegistrySchemas(new ApicurioClient(registryUrl)), rate, badShare).start();
                 DemoSources sources = DemoSources.start(contracts, bootstrap, registryUrl, landing(), demoLineage(bootstrap), metrics, health,
                         DemoDatabases.machineSettings(System.getenv()), embeddedDir == null ? EmbeddedRuns.defaultBase() : embeddedDir, out);
                 DemoWorkbench workbench = DemoWorkbench.start(contracts, bootstrap, registryUrl, dlqPort, demoLineage(bootstrap), metrics, health,
                         lake().toString(), hashKey, out);
                 SinkService sink = LakeSink.start(demoSink(bootstrap, registryUrl, out), contracts, metrics.registry())) {
                // /health names every stage: the gate here, each CDC capture and the file lane (DemoSources), the
                // workbench (DemoWorkbench), the sink.
                health.register("gate", gate.healthCheck());
                io.meshspine.cli.run.StageHealth.registerSink(health, sink);
                KafkaStreamsOps.bindMetrics(metrics, gate.streams());
                out.printf("  gate      contract gate (Kafka Streams, exactly_once_v2) on %s%n", contracts.contracts().stream().map(Contract::rawTopic).distinct().collect(Collectors.joining(", ")));
                out.printf("  traffic   %d payments events/s to raw.payments.transactions, %.0f%% bad (%s)%n", rate, badShare * 100,
                        String.join(", ", DemoTraffic.badKinds()));
                out.printf("  ops       %s/metrics  %s/health%n", ops.url(), ops.url());
                out.printf("  lineage   %s and spine.lineage -> %s/ops/pipeline_runs (./spine runs --lake %s)%n", lineageFile(), lake(), lake());
                out.printf("  try       ./spine tail payments.transactions.v1   ./spine tail spine.dlq   ./spine dlq --local-admin summary%n");
                out.printf("meshspine demo ready in %.1f s. Press Ctrl-C to stop.%n", Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0);
                out.flush();
                DemoCounts counts = new DemoCounts(metrics.registry(), traffic);
                while (!awaitUninterruptibly(stop, Duration.ofSeconds(5))) {
                    out.println(counts.line());
                    out.println(counts.lakeLine(lake().toString()));
                    out.flush();
                }
                out.println("meshspine demo: stopping...");
            } finally {
                TempDirs.deleteQuietly(stateDir);
            }
        }
        out.println("meshspine demo: stopped.");
        return 0;
    }

    /** true when the latch opened within the wait. */
    private static boolean awaitUninterruptibly(CountDownLatch latch, Duration wait) {
        try {
            return latch.await(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * The HMAC key of hash masking: SPINE_GATE_HASH_KEY when set; otherwise a fixed demo key, said out loud, so hashed
     * values stay joinable across demo runs but nobody mistakes the demo for a secured setup.
     */
    private static String demoHashKey(PrintStream out) {
        String key = System.getenv("SPINE_GATE_HASH_KEY");
        if (key != null && key.length() >= 16) {
            return key;
        }
        out.println("  note      hash masking uses the built-in demo key; set SPINE_GATE_HASH_KEY (16+ characters) for real data");
        return "meshspine-demo-hash-key-not-a-secret";
    }
}
