package io.meshspine.core.ops;

import io.meshspine.core.ops.HealthCheck.Status;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaStreamsOpsTest {

    @Test
    void only_running_is_ready_and_only_error_is_fatal() {
        for (KafkaStreams.State state : KafkaStreams.State.values()) {
            Status expected = switch (state) {
                case RUNNING -> Status.UP;
                case PENDING_ERROR, ERROR -> Status.FAILED;
                default -> Status.DOWN;
            };
            assertThat(KafkaStreamsOps.result(state).status()).as(state.name()).isEqualTo(expected);
            assertThat(KafkaStreamsOps.result(state).detail()).isEqualTo(state.name());
        }
    }

    @Test
    void an_unstarted_app_is_not_ready_and_shows_its_streams_metrics(@TempDir Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        // A topic name only for building a topology: the app is never started, so the topic is never read.
        builder.stream("ops-test-in").to("ops-test-out");
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "ops-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        KafkaStreams streams = new KafkaStreams(builder.build(), config);
        try (SpineMetrics metrics = new SpineMetrics("test")) {
            Health health = new Health();
            health.register("gate", KafkaStreamsOps.healthCheck(streams));
            KafkaStreamsOps.bindMetrics(metrics, streams);

            assertThat(health.details().toJson())
                    .isEqualTo("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"gate\",\"status\":\"DOWN\",\"detail\":\"CREATED\"}]}");
            assertThat(metrics.scrape().lines())
                    .anyMatch(line -> line.startsWith("kafka_stream_") && line.contains("service=\"test\""));
        } finally {
            streams.close(Duration.ofSeconds(5));
        }
    }
}
