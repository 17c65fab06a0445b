package io.meshspine.cli.run;

import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.FreePorts;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A service still starting is not ready: while dlq-api waits for a broker that does not answer, its /health/ready says
 * 503 "starting" instead of 200 for an empty list of checks (what made `./spine chaos` take a half-started service
 * for a ready one, and kill the broker under it).
 */
class ServiceStartingHealthTest {

    @Test
    void health_ready_answers_503_starting_until_the_service_has_started() throws Exception {
        int opsPort = FreePorts.next();
        int nobody = FreePorts.next(); // no broker listens here
        DlqApiService service = new DlqApiService();
        SpineConfig config = service.definition().parse(Map.of("kafka.bootstrap.servers", "127.0.0.1:" + nobody,
                "registry.url", "http://127.0.0.1:" + nobody + "/apis/registry/v3", "ops.port", Integer.toString(opsPort),
                "dlq.http.port", "0", "dlq.broker-timeout", "3s",
                // Give up on the missing broker soon: the start's failure is not what this test waits for.
                "kafka.default.api.timeout.ms", "3000", "kafka.request.timeout.ms", "2000"));
        CompletableFuture<ServiceHost> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return ServiceHost.start(service, config, ContractCatalog.fromClasspath());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = await("the ops endpoint answers while the service starts").atMost(Duration.ofSeconds(30))
                .ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()), r -> r != null);
        assertThat(starting).isNotDone();
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"name\":\"starting\"").contains("\"status\":\"DOWN\"");
        // The start fails on the missing broker; it never reported ready on the way.
        await().atMost(Duration.ofSeconds(60)).until(starting::isDone);
        assertThat(starting).isCompletedExceptionally();
    }
}
