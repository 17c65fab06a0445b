package io.meshspine.testkit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InfrastructureChoiceTest {

    @Test
    void an_external_cluster_is_used_as_given_and_never_stopped_by_us() {
        KafkaEndpoint kafka = SpineInfrastructure.kafka("broker1:9092,broker2:9092", 0);
        kafka.close();

        assertThat(kafka.bootstrapServers()).isEqualTo("broker1:9092,broker2:9092");
        assertThat(kafka.describe()).contains("external");
    }

    @Test
    void an_unknown_kafka_choice_fails_naming_the_variable_and_the_accepted_values() {
        assertThatThrownBy(() -> SpineInfrastructure.kafka("kraft", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SpineInfrastructure.KAFKA_CHOICE_ENV)
                .hasMessageContaining("auto, embedded, docker or host:port");
    }

    @Test
    void an_external_registry_url_is_used_without_a_trailing_slash() {
        SchemaRegistryEndpoint registry = SpineInfrastructure.registry("http://registry.internal:8080/", 0);

        assertThat(registry.registryUrl()).isEqualTo("http://registry.internal:8080/apis/registry/v3");
    }

    @Test
    void a_registry_choice_that_is_not_a_url_fails_naming_the_variable() {
        assertThatThrownBy(() -> SpineInfrastructure.registry("registry:8080", 0))
                .hasMessageContaining(SpineInfrastructure.REGISTRY_CHOICE_ENV);
    }

    @Test
    void docker_is_refused_with_advice_when_no_daemon_answers() {
        org.junit.jupiter.api.Assumptions.assumeFalse(DockerKafka.daemonAvailable(), "a Docker daemon answers here");
        assertThatThrownBy(() -> SpineInfrastructure.kafka("docker", 0))
                .hasMessageContaining("no Docker daemon answers");
    }
}
