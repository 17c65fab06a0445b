package io.meshspine.gate;

import io.meshspine.core.registry.RegistryAccessDeniedException;
import io.meshspine.core.registry.RegistryUnavailableException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.config.ConfigException;

/**
 * What kind of fault a throwable that escaped the gate's decision is, decided here and nowhere else. A record's own
 * faults never get this far: they are dead letters, values of the decision.
 */
public enum FaultClass {

    /** The registry or broker is unreachable, slow or overloaded: wait and retry; never a dead letter. */
    TRANSIENT,
    /** The spine's credentials, grants or configuration are wrong: retrying cannot help; stop and say why. */
    PERMANENT,
    /** Anything else: a defect. Treated as permanent, so it is seen rather than retried in a loop. */
    BUG;

    public static FaultClass of(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegistryUnavailableException || t instanceof RetriableException
                    || t instanceof org.apache.kafka.common.errors.TimeoutException) {
                return TRANSIENT;
            }
            if (t instanceof org.apache.kafka.streams.errors.MissingSourceTopicException || repartitioned(t)) {
                return PERMANENT;
            }
            if (t instanceof RegistryAccessDeniedException || t instanceof AuthenticationException || t instanceof AuthorizationException
                    || t instanceof InvalidConfigurationException || t instanceof ConfigException || t instanceof UnsupportedVersionException) {
                return PERMANENT;
            }
        }
        return BUG;
    }

    /**
     * Partitions were added to a raw topic: Kafka Streams refuses the dedup changelog whose partition count no longer
     * matches (it says so only in a plain StreamsException's message). Continuing would let re-deliveries that now hash
     * to another task through, so it is an operator's decision, not a bug.
     */
    private static boolean repartitioned(Throwable t) {
        return t instanceof org.apache.kafka.streams.errors.StreamsException && t.getMessage() != null
                && t.getMessage().contains("has invalid partitions");
    }

    /** The innermost message, for logs and {@code /health}. */
    public static String reason(Throwable thrown) {
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
