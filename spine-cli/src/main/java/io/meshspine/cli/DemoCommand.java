package io.meshspine.cli;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.testkit.SpineInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.PrintStream;
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

    @Override
    public Integer call() {
        PrintStream out = System.out;
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
            out.printf("  pipeline  the contract gate, CDC and file lanes, DLQ tools and lake sink join here as they are built%n");
            out.printf("meshspine demo ready in %.1f s. Press Ctrl-C to stop.%n", Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0);
            out.flush();
            awaitUninterruptibly(stop);
            out.println("meshspine demo: stopping...");
        }
        out.println("meshspine demo: stopped.");
        return 0;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
