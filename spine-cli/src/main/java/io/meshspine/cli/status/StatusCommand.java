package io.meshspine.cli.status;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code ./spine status}: every data product against its SLOs, from the services' metrics and the Delta logs. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Every data product against its SLOs: records in the last interval, valid share, DLQ depth and age,",
                "Silver freshness against the contract's SLO, sink lag. Exit codes: 0 all within SLO, 1 a breach, 3 no metrics reachable."})
public final class StatusCommand implements Callable<Integer> {

    @Option(names = "--metrics", paramLabel = "<url>", defaultValue = "http://127.0.0.1:9400/metrics", split = ",",
            description = "The services' /metrics endpoints, comma separated (default: ${DEFAULT-VALUE}, the demo's).")
    List<URI> metrics;

    @Option(names = "--lake", paramLabel = "<dir>", description = "Lake root whose Silver tables' Delta logs tell freshness (default: ./lake).")
    Path lake;

    @Option(names = "--interval", defaultValue = "5", paramLabel = "<seconds>", description = "Seconds between the two scrapes (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Option(names = "--color", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Red rows where an SLO is breached (default: on when the output is a terminal).")
    boolean color;

    @Override
    public Integer call() throws Exception {
        Duration interval = Duration.ofSeconds(Math.max(1, intervalSeconds));
        PrometheusText before = scrape();
        if (before == null) {
            return 3;
        }
        Thread.sleep(interval.toMillis());
        PrometheusText after = scrape();
        if (after == null) {
            return 3;
        }
        Path lakeRoot = io.meshspine.cli.SpineHome.orDefault(lake, "lake");
        List<ProductStatus> rows = new ArrayList<>();
        for (Contract c : ContractCatalog.fromClasspath().contracts()) {
            rows.add(ProductStatus.of(c, before, after, silverCommitAge(lakeRoot.resolve("silver").resolve(c.domain()).resolve(c.silverTable()))));
        }
        System.out.print(StatusTable.render(rows, interval, color && System.console() != null));
        long breached = rows.stream().filter(r -> !r.breaches().isEmpty()).count();
        System.out.printf("%d of %d products breach an SLO%n", breached, rows.size());
        return breached == 0 ? 0 : 1;
    }

    private PrometheusText scrape() {
        PrometheusText all = new PrometheusText(List.of());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        int reached = 0;
        for (URI url : metrics) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    all = all.plus(PrometheusText.parse(r.body()));
                    reached++;
                } else {
                    System.err.println("spine status: " + url + " answered " + r.statusCode());
                }
            } catch (ConnectException e) {
                System.err.println("spine status: nothing listens at " + url + " (is `./spine demo` or a service running?)");
            } catch (IOException e) {
                System.err.println("spine status: " + url + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return reached == 0 ? null : all;
    }

    /** Age of the table's newest Delta commit (the log's newest file), when the table exists. */
    static Optional<Duration> silverCommitAge(Path table) {
        Path log = table.resolve("_delta_log");
        if (!Files.isDirectory(log)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(log)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .map(f -> {
                        try {
                            return Files.getLastModifiedTime(f).toInstant();
                        } catch (IOException e) {
                            return Instant.EPOCH;
                        }
                    })
                    .max(Comparator.naturalOrder())
                    .map(t -> Duration.between(t, Instant.now()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
