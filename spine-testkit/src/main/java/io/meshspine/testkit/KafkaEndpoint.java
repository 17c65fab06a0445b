package io.meshspine.testkit;

/**
 * A Kafka cluster the spine can talk to: the in-process KRaft broker, a Testcontainers broker, or an external one.
 * Closing it stops what this JVM started and leaves an external cluster alone.
 */
public interface KafkaEndpoint extends AutoCloseable {

    /** {@code host:port[,host:port]} for the clients' {@code bootstrap.servers}. */
    String bootstrapServers();

    /** A listener that asks clients to authenticate, when this cluster offers one to tests (the in-process broker does). */
    default java.util.Optional<SaslListener> saslListener() {
        return java.util.Optional.empty();
    }

    /** One line for logs and the demo banner: what kind of broker and where. */
    String describe();

    @Override
    void close();
}
