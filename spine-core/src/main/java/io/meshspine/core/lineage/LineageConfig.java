package io.meshspine.core.lineage;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a service emits run events, typed and checked once (see {@link LineageSettings}).
 *
 * @param transport       file, kafka, http or none
 * @param file            the JSON-lines file of the file transport
 * @param url             the Marquez-compatible endpoint of the http transport
 * @param namespace       the jobs' OpenLineage namespace
 * @param runningInterval how often long-lived streams (gate, CDC) close an interval run
 * @param maxAttempts     attempts per event before it is counted as failed and dropped from the lineage (never data)
 * @param kafka           Kafka client settings of the kafka transport (bootstrap servers, TLS)
 * @param runHistory      every event also goes to {@code spine.lineage} whatever the transport, so the sink keeps the
 *                        run history ({@code <lake>/ops/pipeline_runs}) beside a file or HTTP transport
 */
public record LineageConfig(TransportKind transport, Path file, URI url, String namespace, Duration runningInterval, int maxAttempts,
                            Map<String, Object> kafka, boolean runHistory) {

    public static final Path DEFAULT_FILE = Path.of("lineage", "events.jsonl");
    public static final String DEFAULT_NAMESPACE = "meshspine";

    /** Lineage off: what services get unless configured (tests of other features write no lineage files). */
    public static final LineageConfig NONE = new LineageConfig(TransportKind.NONE, DEFAULT_FILE, URI.create("http://127.0.0.1:5000/api/v1/lineage"),
            DEFAULT_NAMESPACE, Duration.ofMinutes(1), 3, Map.of(), false);

    public LineageConfig {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(runningInterval, "runningInterval");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("lineage.max-attempts must be at least 1");
        }
        kafka = Map.copyOf(kafka);
    }

    /** The file transport into {@code file}: the demo's and the tests' choice. */
    public static LineageConfig toFile(Path file) {
        return new LineageConfig(TransportKind.FILE, file, NONE.url, NONE.namespace, NONE.runningInterval, NONE.maxAttempts, Map.of(), false);
    }

    public LineageConfig withRunningInterval(Duration interval) {
        return new LineageConfig(transport, file, url, namespace, interval, maxAttempts, kafka, runHistory);
    }

    public LineageConfig withKafka(Map<String, Object> clientProps) {
        return new LineageConfig(transport, file, url, namespace, runningInterval, maxAttempts, clientProps, runHistory);
    }

    public LineageConfig withTransport(TransportKind kind) {
        return new LineageConfig(kind, file, url, namespace, runningInterval, maxAttempts, kafka, runHistory);
    }

    public LineageConfig withUrl(URI endpoint) {
        return new LineageConfig(transport, file, endpoint, namespace, runningInterval, maxAttempts, kafka, runHistory);
    }

    /** Also sends every event to {@code spine.lineage} (needs {@link #withKafka}): the run history's source. */
    public LineageConfig withRunHistory(boolean on) {
        return new LineageConfig(transport, file, url, namespace, runningInterval, maxAttempts, kafka, on);
    }

    /** Whether this service's events reach {@code spine.lineage}, where the sink makes the run history of them. */
    public boolean reachesLineageTopic() {
        return transport == TransportKind.KAFKA || runHistory;
    }
}
