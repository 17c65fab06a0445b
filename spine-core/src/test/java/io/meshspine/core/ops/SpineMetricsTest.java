package io.meshspine.core.ops;

import io.meshspine.core.topic.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpineMetricsTest {

    // Nothing listens here: the clients are only constructed, never asked to reach a broker.
    private static final String NO_BROKER = "127.0.0.1:9";

    private final SpineMetrics metrics = new SpineMetrics("test");

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void a_counter_renders_as_spine_module_what_total_with_the_service_label() {
        metrics.counter("gate", "records.in", Label.CONTRACT.tag("payments.transactions"), Label.TOPIC.tag(Topics.raw("payments", "transactions")))
                .increment(3);

        assertThat(lines()).contains(
                "# TYPE spine_gate_records_in_total counter",
                "spine_gate_records_in_total{contract=\"payments.transactions\",service=\"test\",topic=\"raw.payments.transactions\"} 3.0");
    }

    @Test
    void a_counter_with_a_unit_in_what_keeps_the_unit_before_total() {
        metrics.counter("sink", "written.bytes").increment(1024);

        assertThat(lines()).contains("spine_sink_written_bytes_total{service=\"test\"} 1024.0");
    }

    @Test
    void a_timer_renders_in_seconds_with_the_latency_buckets() {
        metrics.timer("sink", "commit", Label.CONTRACT.tag("crm.customers")).record(Duration.ofMillis(20));

        assertThat(lines()).contains(
                "# TYPE spine_sink_commit_seconds histogram",
                "spine_sink_commit_seconds_bucket{contract=\"crm.customers\",service=\"test\",le=\"0.01\"} 0",
                "spine_sink_commit_seconds_bucket{contract=\"crm.customers\",service=\"test\",le=\"0.025\"} 1",
                "spine_sink_commit_seconds_bucket{contract=\"crm.customers\",service=\"test\",le=\"60.0\"} 1",
                "spine_sink_commit_seconds_bucket{contract=\"crm.customers\",service=\"test\",le=\"+Inf\"} 1",
                "spine_sink_commit_seconds_count{contract=\"crm.customers\",service=\"test\"} 1",
                "spine_sink_commit_seconds_sum{contract=\"crm.customers\",service=\"test\"} 0.02",
                "# TYPE spine_sink_commit_seconds_max gauge",
                "spine_sink_commit_seconds_max{contract=\"crm.customers\",service=\"test\"} 0.02");
        assertThat(lines()).filteredOn(line -> line.startsWith("spine_sink_commit_seconds_bucket{"))
                .hasSize(SpineMetrics.LATENCY_BUCKETS.length + 1);
    }

    @Test
    void a_gauge_renders_its_name_as_given_and_follows_its_source() {
        AtomicLong lag = new AtomicLong(7);
        metrics.gauge("gate", "lag.records", lag, AtomicLong::doubleValue, Label.TOPIC.tag(Topics.raw("crm", "customers")));

        assertThat(lines()).contains(
                "# TYPE spine_gate_lag_records gauge",
                "spine_gate_lag_records{service=\"test\",topic=\"raw.crm.customers\"} 7.0");

        lag.set(0);

        assertThat(lines()).contains("spine_gate_lag_records{service=\"test\",topic=\"raw.crm.customers\"} 0.0");
    }

    @Test
    void the_failure_labels_keep_their_prometheus_spelling() {
        metrics.counter("gate", "dead_letters", Label.FAILURE_TYPE.tag("RULE"), Label.RULE.tag("amount_positive")).increment();

        assertThat(lines()).contains(
                "spine_gate_dead_letters_total{failure_type=\"RULE\",rule=\"amount_positive\",service=\"test\"} 1.0");
    }

    @Test
    void jvm_metrics_are_bound_and_tagged_with_the_service() {
        assertThat(metrics.scrape()).contains(
                "jvm_memory_used_bytes{area=\"heap\",id=",
                "jvm_gc_",
                "jvm_threads_live_threads{service=\"test\"}",
                "jvm_classes_loaded_classes{service=\"test\"}",
                "system_cpu_count{service=\"test\"}",
                "process_uptime_seconds{service=\"test\"}");
    }

    @Test
    void meter_names_outside_the_convention_are_refused_naming_the_part() {
        assertThatThrownBy(() -> metrics.counter("Gate", "records.in"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("module").hasMessageContaining("'Gate'");
        assertThatThrownBy(() -> metrics.counter("gate", "records-in"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("what").hasMessageContaining("'records-in'");
        assertThatThrownBy(() -> new SpineMetrics(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service");
    }

    @Test
    void a_producer_and_a_consumer_show_their_kafka_client_metrics() {
        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER,
                ProducerConfig.CLIENT_ID_CONFIG, "ops-test-producer");
        Map<String, Object> consumerConfig = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER,
                ConsumerConfig.GROUP_ID_CONFIG, "ops-test", ConsumerConfig.CLIENT_ID_CONFIG, "ops-test-consumer");
        try (var producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
             var consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            metrics.bindKafkaProducer(producer);
            metrics.bindKafkaConsumer(consumer);

            assertThat(lines())
                    .anyMatch(line -> line.startsWith("kafka_producer_") && line.contains("client_id=\"ops-test-producer\"")
                            && line.contains("service=\"test\""))
                    .anyMatch(line -> line.startsWith("kafka_consumer_") && line.contains("client_id=\"ops-test-consumer\""));
        }
    }

    private List<String> lines() {
        return metrics.scrape().lines().toList();
    }
}
