package io.meshspine.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./spine run ingest}'s /health names every stage it runs: each CDC capture on its own, and the file lane. A
 * database that does not answer is a transient fault (it may be restarting): the capture retries, DOWN, with the cause.
 */
@ExtendWith(SpineExtension.class)
class IngestServiceHealthTest {

    @Test
    void health_lists_each_cdc_capture_and_the_file_lane_and_names_the_capture_retrying_to_reach_its_database(SpineTestKit kit,
                                                                                                               @TempDir Path landing) throws Exception {
        ContractCatalog contracts = ContractCatalog.fromClasspath();
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(contracts.contracts()).topics());
        new ContractRegistrar(new ApicurioClient(kit.registryUrl())).register(contracts.contracts());
        SpineService ingest = Services.find("ingest").orElseThrow();
        Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "ops.port", "0", "file.landing", landing.toString(), "cdc.name", SpineTestKit.uniqueName("health")));
        // Nothing listens there: both captures fail to connect and retry (creating no replication slot), the file lane runs.
        settings.put("cdc.postgres.port", Integer.toString(FreePorts.next()));
        settings.put("cdc.mariadb.port", Integer.toString(FreePorts.next()));
        List<String> captures = contracts.contracts().stream().filter(c -> c.lane() == Lane.CDC).map(c -> "cdc." + c.qualifiedName()).toList();
        assertThat(captures).contains("cdc.crm.customers.v1", "cdc.accounts.services.v1");

        try (ServiceHost host = ServiceHost.start(ingest, ingest.definition().parse(settings), contracts)) {
            await("every capture reports that it cannot reach its database").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode health = health(host);
                Map<String, JsonNode> checks = new HashMap<>();
                health.path("checks").forEach(c -> checks.put(c.path("name").asText(), c));
                assertThat(checks).containsOnlyKeys(concat(captures, "file-lane"));
                assertThat(checks.get("file-lane").path("status").asText()).isEqualTo("UP");
                captures.forEach(capture -> {
                    assertThat(checks.get(capture).path("status").asText()).as(capture).isEqualTo("DOWN");
                    assertThat(checks.get(capture).toString()).as(capture).contains("RETRYING").contains("transient fault");
                });
                assertThat(health.path("status").asText()).isEqualTo("DOWN");
            });
        }
    }

    private static List<String> concat(List<String> names, String more) {
        return java.util.stream.Stream.concat(names.stream(), java.util.stream.Stream.of(more)).toList();
    }

    private static JsonNode health(ServiceHost host) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host.opsUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body());
    }
}
