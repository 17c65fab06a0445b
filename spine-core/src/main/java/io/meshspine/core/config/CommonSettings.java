package io.meshspine.core.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Settings every service shares: where Kafka, the registry and the contracts are, and where it serves its ops port. */
public final class CommonSettings {

    public static final String KAFKA_PREFIX = "kafka.";

    public static final Setting<String> KAFKA_BOOTSTRAP_SERVERS = Setting.string("kafka.bootstrap.servers", "127.0.0.1:9092",
            "Kafka bootstrap servers. Any other `kafka.*` key (TLS, SASL) is passed to every Kafka client as it is.");
    public static final Setting<String> REGISTRY_URL = Setting.string("registry.url", "http://127.0.0.1:8080/apis/registry/v3",
            "Apicurio Registry v3 API.");
    public static final Setting<Path> CONTRACTS_DIR = Setting.path("contracts.dir", null,
            "Directory of data contracts (`<domain>/<dataset>/v<major>/contract.yaml`); unset: the contracts built into the launcher.");
    public static final Setting<Integer> OPS_PORT = Setting.integer("ops.port", 9400,
            "Port of `/metrics` and `/health` (0: a free port).").validatedBy(p -> p >= 0 && p < 65536, "a port");

    public static final Setting<String> OPS_HOST = Setting.string("ops.host", "127.0.0.1",
            "Address `/metrics` and `/health` bind to; `0.0.0.0` in a container so Prometheus can scrape it.");

    public static final Setting<java.time.Duration> FAILED_EXIT_GRACE = Setting.duration("ops.failed-exit-grace", java.time.Duration.ofSeconds(30),
            "How long `./spine run` keeps serving /health and /metrics after the service failed (a permanent fault or a bug: "
                    + "liveness DOWN with the reason) before it exits 1, so an operator sees why and an orchestrator restarts it.").positive();
    public static final List<Setting<?>> ALL = List.of(KAFKA_BOOTSTRAP_SERVERS, REGISTRY_URL, CONTRACTS_DIR, OPS_HOST, OPS_PORT, FAILED_EXIT_GRACE);

    private CommonSettings() {
    }

    /** A service's definition: the shared settings, its own, and {@code kafka.*} passed through to the clients. */
    public static ConfigDef define(String service, List<Setting<?>> own) {
        return ConfigDef.of(service, ALL).with(io.meshspine.core.lineage.LineageSettings.ALL).with(own)
                .passingThrough(KAFKA_PREFIX, "Passed to every Kafka client with the prefix removed (e.g. `kafka.security.protocol=SSL`).");
    }

    /** Properties for a Kafka client: bootstrap servers plus every pass-through {@code kafka.*} key. */
    public static Map<String, Object> kafkaClient(SpineConfig config) {
        return kafkaClient(config.get(KAFKA_BOOTSTRAP_SERVERS), config.passThrough(KAFKA_PREFIX));
    }

    /** A new, mutable map: the operator's {@code kafka.*} settings (without the prefix) and the bootstrap servers over them. */
    public static Map<String, Object> kafkaClient(String bootstrapServers, Map<String, ?> passedThrough) {
        Map<String, Object> props = new HashMap<>(passedThrough);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }
}
