package io.meshspine.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.nio.file.Files;
import java.nio.file.Path;

/** A Kafka broker in a container, for machines where a Docker daemon runs. Loaded only when chosen. */
final class DockerKafka implements KafkaEndpoint {

    static final String IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;

    private DockerKafka(KafkaContainer container) {
        this.container = container;
    }

    /** Cheap checks first: Testcontainers' own probe takes ~2.5 s to say no when no daemon exists. */
    static boolean daemonAvailable() {
        String host = System.getenv("DOCKER_HOST");
        boolean hint = (host != null && !host.isBlank()) || Files.exists(Path.of("/var/run/docker.sock"));
        return hint && DockerClientFactory.instance().isDockerAvailable();
    }

    static DockerKafka start() {
        KafkaContainer container = new KafkaContainer(IMAGE)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "4")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return new DockerKafka(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String describe() {
        return "Testcontainers " + IMAGE + " at " + bootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
