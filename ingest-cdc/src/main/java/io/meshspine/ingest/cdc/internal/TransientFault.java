package io.meshspine.ingest.cdc.internal;

import io.debezium.engine.StopEngineException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;

/**
 * Whether an engine's failure is a transient fault, to be waited out by starting the engine again, or one an
 * operator must fix, which stops the capture loudly.
 *
 * <p>Transient, anywhere in the cause chain: Kafka's {@code RetriableException} (a broker that does not answer:
 * {@code TimeoutException} fetching metadata, a disconnect, no leader), Kafka Connect's {@code RetriableException},
 * a {@code java.util.concurrent.TimeoutException} (Connect's offset store waiting for the broker), and a database
 * that does not answer at the socket: connection refused or timed out, no route (the JDBC drivers and the binlog
 * client chain the socket's exception as the cause), or a {@code SQLTransientException}. A database restarting or
 * failing over refuses connections for a while, exactly as a wrong port would; both are retried, and both show as
 * {@code RETRYING} with the cause in the capture's health, so a wrong address is visible at once without a
 * transient outage ever stopping capture.
 *
 * <p>Permanent, and winning over a transient cause in the same chain: authentication and authorization refused
 * (Kafka's {@code AuthenticationException} / {@code AuthorizationException}, SQLSTATE class {@code 28}), TLS refused
 * ({@code SSLException}: a handshake or a server without TLS), an unknown host (a misspelt address does not heal),
 * configuration refused ({@code ConfigException}), and the lane's own stop
 * ({@code StopEngineException}: it decided already). Anything not recognised is permanent: a bug or a
 * misconfiguration must not be hidden behind retries.
 */
final class TransientFault {

    private TransientFault() {
    }

    /** The transient cause of {@code failure}, if it is one to retry. */
    static Optional<Throwable> of(Throwable failure) {
        Throwable transientCause = null;
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (isPermanent(t)) {
                return Optional.empty();
            }
            if (transientCause == null && isTransient(t)) {
                transientCause = t;
            }
        }
        return Optional.ofNullable(transientCause);
    }

    private static boolean isPermanent(Throwable t) {
        if (t instanceof StopEngineException || t instanceof UnknownHostException || t instanceof javax.net.ssl.SSLException
                || t instanceof org.apache.kafka.common.errors.AuthenticationException
                || t instanceof org.apache.kafka.common.errors.AuthorizationException
                || t instanceof org.apache.kafka.common.config.ConfigException
                || t instanceof SQLInvalidAuthorizationSpecException) {
            return true;
        }
        return t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("28");
    }

    private static boolean isTransient(Throwable t) {
        return t instanceof org.apache.kafka.common.errors.RetriableException
                || t instanceof org.apache.kafka.connect.errors.RetriableException
                || t instanceof java.util.concurrent.TimeoutException
                || t instanceof ConnectException || t instanceof SocketTimeoutException || t instanceof NoRouteToHostException
                || t instanceof SQLTransientException;
    }

    /** One line for logs and health: the cause's class and message, never a row's values (none are in these). */
    static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
