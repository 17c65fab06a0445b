package io.meshspine.core.ops;

import io.meshspine.core.ops.HealthCheck.Result;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Metrics and health for a {@link KafkaStreams} application. Kept apart from {@link SpineMetrics} because
 * kafka-streams is an optional dependency of spine-core: services without Streams never load this class.
 */
public final class KafkaStreamsOps {

    private KafkaStreamsOps() {
    }

    /** Binds the app's client, thread, task and store metrics ({@code kafka_stream_*}); unbound when {@code metrics} closes. */
    public static KafkaStreamsMetrics bindMetrics(SpineMetrics metrics, KafkaStreams streams) {
        return metrics.track(new KafkaStreamsMetrics(streams));
    }

    /**
     * A check whose detail is the Streams state: RUNNING is ready; CREATED and REBALANCING are alive but not
     * ready; a shutdown in progress is not ready; ERROR is fatal, because a Streams client never leaves it.
     */
    public static HealthCheck healthCheck(KafkaStreams streams) {
        return () -> result(streams.state());
    }

    static Result result(KafkaStreams.State state) {
        return switch (state) {
            case RUNNING -> Result.up(state.name());
            case CREATED, REBALANCING, PENDING_SHUTDOWN, NOT_RUNNING -> Result.down(state.name());
            case PENDING_ERROR, ERROR -> Result.failed(state.name());
        };
    }
}
