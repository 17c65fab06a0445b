package io.meshspine.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The broker and the registry the spine needs, chosen from the environment and started in parallel.
 *
 * <p>{@code SPINE_TEST_KAFKA}: {@code auto} (default: Docker when a daemon answers, else embedded),
 * {@code embedded}, {@code docker}, or {@code host:port[,host:port]} for an external cluster.
 * {@code SPINE_TEST_REGISTRY}: {@code embedded} (default) or the base URL of an external Apicurio Registry
 * (e.g. {@code http://127.0.0.1:8080}).
 */
public final class SpineInfrastructure implements AutoCloseable {

    public static final String KAFKA_CHOICE_ENV = "SPINE_TEST_KAFKA";
    public static final String REGISTRY_CHOICE_ENV = "SPINE_TEST_REGISTRY";

    private static final Logger log = LoggerFactory.getLogger(SpineInfrastructure.class);

    private final KafkaEndpoint kafka;
    private final SchemaRegistryEndpoint registry;

    private SpineInfrastructure(KafkaEndpoint kafka, SchemaRegistryEndpoint registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    /** Already running parts, as one infrastructure (closing it closes them). */
    static SpineInfrastructure of(KafkaEndpoint kafka, SchemaRegistryEndpoint registry) {
        return new SpineInfrastructure(kafka, registry);
    }

    public static SpineInfrastructure startFromEnvironment() {
        return start(System.getenv(KAFKA_CHOICE_ENV), System.getenv(REGISTRY_CHOICE_ENV));
    }

    /** Starts both at once (the registry's JVM boots while the broker formats its log): ~5 s instead of ~9 s. */
    public static SpineInfrastructure start(String kafkaChoice, String registryChoice) {
        return start(kafkaChoice, registryChoice, 0, 0);
    }

    /**
     * As {@link #start(String, String)}; an embedded broker or registry listens on its preferred port when that is
     * free (0: any free port). The demo prefers the ports docker-compose.yml publishes; tests take any.
     */
    public static SpineInfrastructure start(String kafkaChoice, String registryChoice, int kafkaPort, int registryPort) {
        CompletableFuture<SchemaRegistryEndpoint> registry = CompletableFuture.supplyAsync(() -> registry(registryChoice, registryPort));
        KafkaEndpoint kafka;
        try {
            kafka = kafka(kafkaChoice, kafkaPort);
        } catch (RuntimeException e) {
            registry.thenAccept(SchemaRegistryEndpoint::close);
            throw e;
        }
        try {
            return new SpineInfrastructure(kafka, registry.join());
        } catch (CompletionException e) {
            kafka.close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    static KafkaEndpoint kafka(String choice, int embeddedPort) {
        String c = choice == null || choice.isBlank() ? "auto" : choice.trim();
        switch (c.toLowerCase(Locale.ROOT)) {
            case "embedded":
                return EmbeddedKafkaBroker.start(embeddedPort);
            case "docker":
                if (!DockerKafka.daemonAvailable()) {
                    throw new IllegalStateException(KAFKA_CHOICE_ENV + "=docker but no Docker daemon answers; unset it to use the embedded broker");
                }
                return DockerKafka.start();
            case "auto":
                if (DockerKafka.daemonAvailable()) {
                    log.info("a Docker daemon answers: using a Testcontainers Kafka ({}=embedded to override)", KAFKA_CHOICE_ENV);
                    return DockerKafka.start();
                }
                return EmbeddedKafkaBroker.start(embeddedPort);
            default:
                if (!c.contains(":")) {
                    throw new IllegalArgumentException(KAFKA_CHOICE_ENV + "=" + c + " is not one of auto, embedded, docker or host:port");
                }
                return new ExternalKafka(c);
        }
    }

    static SchemaRegistryEndpoint registry(String choice, int embeddedPort) {
        if (choice == null || choice.isBlank() || choice.trim().equalsIgnoreCase("embedded")) {
            return ApicurioRegistryServer.start(ApicurioRegistryServer.distributionHome(), embeddedPort);
        }
        if (!choice.startsWith("http://") && !choice.startsWith("https://")) {
            throw new IllegalArgumentException(REGISTRY_CHOICE_ENV + "=" + choice + " is neither 'embedded' nor an http(s) URL");
        }
        return new ExternalRegistry(choice.replaceAll("/+$", ""));
    }

    public KafkaEndpoint kafka() {
        return kafka;
    }

    public SchemaRegistryEndpoint registry() {
        return registry;
    }

    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }

    private record ExternalKafka(String bootstrapServers) implements KafkaEndpoint {
        @Override
        public String describe() {
            return "external Kafka at " + bootstrapServers;
        }

        @Override
        public void close() {
            // Not ours to stop.
        }
    }

    private record ExternalRegistry(String baseUrl) implements SchemaRegistryEndpoint {
        @Override
        public String describe() {
            return "external Apicurio Registry at " + registryUrl();
        }

        @Override
        public void close() {
            // Not ours to stop.
        }
    }
}
