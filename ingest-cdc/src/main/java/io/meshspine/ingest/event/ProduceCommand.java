package io.meshspine.ingest.event;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code spine produce <contract> [file|-]}: publishes JSON records (one per line) to the contract's raw topic as
 * Avro through the registry, after checking each against the contract's schema. For source teams testing a feed.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Publish JSON records, one per line, to a contract's raw topic as Avro (registry wire format).",
                "Each line is checked against the contract's Avro schema first; lines that do not fit are reported",
                "with their line number and field, and not published. Decimals, dates and timestamps may be strings",
                "(\"12.50\", \"2024-03-01\", \"2024-03-01T09:30:00Z\") or Avro's numbers."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every line published", "1:some lines rejected (the others were published)",
                "2:usage error or unknown contract", "3:broker or registry unreachable"})
public final class ProduceCommand implements Callable<Integer> {

    public static final int ALL_PUBLISHED = 0;
    public static final int SOME_REJECTED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    @Parameters(index = "0", paramLabel = "<contract>", description = "The contract: <domain>.<dataset> (newest major) or <domain>.<dataset>.v<major>.")
    String contractName;

    @Parameters(index = "1", arity = "0..1", paramLabel = "file|-", defaultValue = "-", description = "JSON lines to publish; - (default) reads standard input.")
    String input;

    @Option(names = "--bootstrap-servers", paramLabel = "<host:port>", defaultValue = "${env:SPINE_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka cluster (default: $SPINE_KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--registry", paramLabel = "<url>", defaultValue = "${env:SPINE_REGISTRY_URL:-http://127.0.0.1:8080/apis/registry/v3}",
            description = "Apicurio's v3 API (default: $SPINE_REGISTRY_URL or ${DEFAULT-VALUE}).")
    String registryUrl;

    @Option(names = "--dir", paramLabel = "<dir>", description = "The contracts tree (default: schemas/ of this checkout, else the packaged sample contracts).")
    Path contractsDir;

    @Option(names = "--dry-run", description = "Check the lines against the contract only; publish nothing, need no broker or registry.")
    boolean dryRun;

    @Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "15", description = "How long to wait for the broker and registry (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    private final PrintStream out;
    private final PrintStream err;

    public ProduceCommand() {
        this(System.out, System.err);
    }

    ProduceCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        Optional<Contract> contract = find(catalog(), contractName);
        if (contract.isEmpty()) {
            err.println("no contract " + contractName + " (give <domain>.<dataset> or <domain>.<dataset>.v<major>)");
            return USAGE;
        }
        Contract c = contract.get();
        if (!"-".equals(input) && !Files.isRegularFile(Path.of(input))) {
            err.println("no such file: " + input);
            return USAGE;
        }
        List<PublishResult> results;
        try (BufferedReader lines = "-".equals(input)
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
            if (dryRun) {
                results = EventPublisher.check(c, lines);
            } else {
                try (EventPublisher publisher = EventPublisher.connect(c, bootstrapServers, registryUrl, Duration.ofSeconds(timeoutSeconds))) {
                    results = publisher.publish(lines);
                }
            }
        } catch (PublishUnavailableException e) {
            err.println("cannot publish to " + c.rawTopic() + ": " + e.getMessage());
            return UNREACHABLE;
        }
        long rejected = 0;
        for (PublishResult r : results) {
            if (r instanceof PublishResult.Rejected rej) {
                err.println(rej.describe());
                rejected++;
            }
        }
        long published = results.size() - rejected;
        out.println((dryRun ? "would publish " : "published ") + published + " record(s) to " + c.rawTopic() + " as " + c.qualifiedName()
                + (rejected > 0 ? "; rejected " + rejected + " line(s)" : ""));
        return rejected > 0 ? SOME_REJECTED : ALL_PUBLISHED;
    }

    private ContractCatalog catalog() {
        if (contractsDir != null) {
            return ContractCatalog.load(contractsDir);
        }
        Path checkout = Path.of(System.getProperty("spine.home", ".")).resolve("schemas");
        return Files.isDirectory(checkout) ? ContractCatalog.load(checkout) : ContractCatalog.fromClasspath();
    }

    static Optional<Contract> find(ContractCatalog catalog, String name) {
        int v = name.lastIndexOf(".v");
        if (v > 0 && name.substring(v + 2).chars().allMatch(Character::isDigit) && name.length() > v + 2) {
            return catalog.find(name.substring(0, v), Integer.parseInt(name.substring(v + 2)));
        }
        return catalog.latest(name);
    }
}
