package io.meshspine.core.ops;

import io.meshspine.core.ops.HealthCheck.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class OpsServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SpineMetrics metrics = new SpineMetrics("gate-test");
    private final Health health = new Health();
    private final OpsServer server = new OpsServer(0, metrics, health);

    @AfterEach
    void close() {
        server.close();
        metrics.close();
    }

    @Test
    void metrics_are_scraped_over_http_in_prometheus_text_format() throws Exception {
        server.start();
        metrics.counter("gate", "records.in", Label.CONTRACT.tag("payments.transactions")).increment(2);
        metrics.timer("gate", "commit").record(Duration.ofMillis(3));
        metrics.gauge("gate", "lag.records", new AtomicReference<>(42.0), AtomicReference::get);

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body().lines()).contains(
                "# TYPE spine_gate_records_in_total counter",
                "spine_gate_records_in_total{contract=\"payments.transactions\",service=\"gate-test\"} 2.0",
                "# TYPE spine_gate_commit_seconds histogram",
                "spine_gate_commit_seconds_bucket{service=\"gate-test\",le=\"0.001\"} 0",
                "spine_gate_commit_seconds_bucket{service=\"gate-test\",le=\"0.005\"} 1",
                "spine_gate_commit_seconds_bucket{service=\"gate-test\",le=\"+Inf\"} 1",
                "spine_gate_commit_seconds_count{service=\"gate-test\"} 1",
                "spine_gate_commit_seconds_sum{service=\"gate-test\"} 0.003",
                "spine_gate_commit_seconds_max{service=\"gate-test\"} 0.003",
                "# TYPE spine_gate_lag_records gauge",
                "spine_gate_lag_records{service=\"gate-test\"} 42.0");
    }

    @Test
    void readiness_follows_a_check_from_503_to_200_and_back() throws Exception {
        AtomicReference<Result> gate = new AtomicReference<>(Result.down("REBALANCING"));
        health.register("gate", gate::get);
        server.start();

        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health/ready").body())
                .isEqualTo("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"gate\",\"status\":\"DOWN\",\"detail\":\"REBALANCING\"}]}");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        gate.set(Result.up("RUNNING"));

        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(ready.body()).isEqualTo("{\"status\":\"UP\",\"checks\":[]}");
        HttpResponse<String> all = get("/health");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.body())
                .isEqualTo("{\"status\":\"UP\",\"checks\":[{\"name\":\"gate\",\"status\":\"UP\",\"detail\":\"RUNNING\"}]}");

        gate.set(Result.down("REBALANCING"));

        assertThat(get("/health").statusCode()).isEqualTo(503);
    }

    @Test
    void a_fatal_failure_fails_liveness_too() throws Exception {
        health.register("gate", () -> Result.failed("ERROR"));
        server.start();

        HttpResponse<String> live = get("/health/live");

        assertThat(live.statusCode()).isEqualTo(503);
        assertThat(live.body())
                .isEqualTo("{\"status\":\"DOWN\",\"checks\":[{\"name\":\"gate\",\"status\":\"FAILED\",\"detail\":\"ERROR\"}]}");
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void unknown_paths_are_404_and_other_methods_405() throws Exception {
        server.start();

        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
        assertThat(get("/health/other").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.url().resolve("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void it_listens_on_loopback_only_by_default() throws Exception {
        server.start();

        assertThat(server.url().toString()).isEqualTo("http://127.0.0.1:" + server.port());
        Optional<InetAddress> external = nonLoopbackIpv4();
        assumeThat(external).as("a non-loopback IPv4 address on this machine").isPresent();
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress(external.get(), server.port()), 2_000))
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void a_taken_port_fails_start_naming_the_address() {
        server.start();

        try (OpsServer second = new OpsServer(server.port(), metrics, health)) {
            assertThatThrownBy(second::start)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("127.0.0.1:" + server.port());
        }
    }

    @Test
    void closing_stops_serving_and_is_idempotent() throws Exception {
        server.start();
        var metricsUrl = server.url().resolve("/metrics");

        server.close();
        server.close();

        assertThat(server.state()).isEqualTo(OpsServer.State.CLOSED);
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(metricsUrl).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<InetAddress> nonLoopbackIpv4() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(OpsServerTest::isUp)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .findFirst();
    }

    private static boolean isUp(NetworkInterface networkInterface) {
        try {
            return networkInterface.isUp();
        } catch (SocketException e) {
            return false;
        }
    }
}
