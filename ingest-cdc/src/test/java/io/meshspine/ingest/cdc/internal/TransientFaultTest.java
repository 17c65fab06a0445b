package io.meshspine.ingest.cdc.internal;

import io.debezium.engine.StopEngineException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which engine failures are waited out (the engine started again) and which stop the capture. */
class TransientFaultTest {

    @Test
    void a_broker_or_database_that_does_not_answer_is_transient_wherever_it_sits_in_the_cause_chain() {
        // As the chaos run's finding 5: Debezium's producer timing out on metadata, wrapped by the connector.
        Throwable metadata = new ConnectException("An exception occurred in the change event producer. This connector will be stopped.",
                new ConnectException("Producer failure", new TimeoutException("Timeout expired while fetching topic metadata")));
        assertThat(TransientFault.of(metadata)).containsInstanceOf(TimeoutException.class);
        Throwable refused = new SQLNonTransientConnectionException("Socket fail to connect to 127.0.0.1:3306", "08000",
                new java.net.ConnectException("Connection refused"));
        assertThat(TransientFault.of(refused)).containsInstanceOf(java.net.ConnectException.class);
        assertThat(TransientFault.of(new ConnectException(new java.util.concurrent.TimeoutException("offset store")))).isPresent();
    }

    @Test
    void refused_credentials_tls_our_own_stop_and_anything_unknown_stop_the_capture() {
        assertThat(TransientFault.of(new SQLInvalidAuthorizationSpecException("Access denied for user", "28000",
                new java.net.ConnectException("wrapped")))).as("permanent wins over a transient cause").isEmpty();
        assertThat(TransientFault.of(new ConnectException(new org.apache.kafka.common.errors.SaslAuthenticationException("bad")))).isEmpty();
        assertThat(TransientFault.of(new SQLNonTransientConnectionException("ssl not enabled in the server", "08000"))).isEmpty();
        assertThat(TransientFault.of(new ConnectException(new javax.net.ssl.SSLHandshakeException("no cipher")))).isEmpty();
        assertThat(TransientFault.of((Throwable) new StopEngineException("capture failed").initCause(new TimeoutException("t")))).isEmpty();
        assertThat(TransientFault.of(new IllegalStateException("a bug"))).isEmpty();
    }
}
