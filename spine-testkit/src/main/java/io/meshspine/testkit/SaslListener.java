package io.meshspine.testkit;

import java.util.Map;

/**
 * A broker listener that takes only clients authenticated with SASL/PLAIN as {@value #USER}: what a bank's cluster asks
 * of every client (there with TLS too). A service that drops its {@code kafka.*} settings on the way to one of its
 * clients cannot reach it.
 *
 * @param bootstrapServers {@code host:port} of the listener
 */
public record SaslListener(String bootstrapServers) {

    public static final String USER = "spine";
    public static final String PASSWORD = "spine-test-secret";

    /** The spine's configuration keys that reach this listener: {@code kafka.bootstrap.servers} and the SASL client keys. */
    public Map<String, String> spineSettings() {
        return Map.of("kafka.bootstrap.servers", bootstrapServers,
                "kafka.security.protocol", "SASL_PLAINTEXT",
                "kafka.sasl.mechanism", "PLAIN",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + USER + "\" password=\"" + PASSWORD + "\";");
    }
}
