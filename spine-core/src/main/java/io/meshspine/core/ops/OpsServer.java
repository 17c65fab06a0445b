package io.meshspine.core.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The operational HTTP endpoints of one service, on the JDK's own HTTP server:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format 0.0.4;</li>
 *   <li>{@code GET /health/live}: 200 unless a check failed fatally, else 503;</li>
 *   <li>{@code GET /health/ready}: 200 when every check is UP, else 503;</li>
 *   <li>{@code GET /health}: readiness with every check and its detail.</li>
 * </ul>
 * Binds 127.0.0.1 unless told otherwise: the endpoints are unauthenticated, so exposing them beyond the host
 * (e.g. {@code 0.0.0.0} in a container) is a deliberate choice of the deployment.
 */
public final class OpsServer implements AutoCloseable {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String JSON_CONTENT_TYPE = "application/json";

    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    private static final AtomicInteger SERVERS = new AtomicInteger();

    public enum State { NEW, RUNNING, CLOSED }

    private final String host;
    private final int requestedPort;
    private final SpineMetrics metrics;
    private final Health health;

    private State state = State.NEW;
    private HttpServer server;
    private ExecutorService executor;

    /** An ops server on 127.0.0.1; {@code port} 0 picks a free port. */
    public OpsServer(int port, SpineMetrics metrics, Health health) {
        this(DEFAULT_HOST, port, metrics, health);
    }

    public OpsServer(String host, int port, SpineMetrics metrics, Health health) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("ops port must be 0..65535, got " + port);
        }
        this.host = Objects.requireNonNull(host, "host");
        this.requestedPort = port;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.health = Objects.requireNonNull(health, "health");
    }

    /** Binds and starts serving; fails with {@link UncheckedIOException} if the address is taken. */
    public synchronized OpsServer start() {
        if (state != State.NEW) {
            throw new IllegalStateException("ops server is " + state + "; it starts once");
        }
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, requestedPort), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind ops server to " + host + ":" + requestedPort, e);
        }
        http.createContext("/", this::handle);
        executor = newExecutor(metrics.service());
        http.setExecutor(executor);
        http.start();
        server = http;
        changeState(State.RUNNING);
        return this;
    }

    public synchronized State state() {
        return state;
    }

    /** The bound port (the chosen one when started with 0). */
    public synchronized int port() {
        requireRunning();
        return server.getAddress().getPort();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:43121}; append {@code /metrics} or {@code /health}. */
    public synchronized URI url() {
        requireRunning();
        return baseUrl();
    }

    private URI baseUrl() {
        String literal = server.getAddress().getAddress().getHostAddress();
        String authority = literal.contains(":") ? "[" + literal + "]" : literal;
        return URI.create("http://" + authority + ":" + server.getAddress().getPort());
    }

    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        if (server != null) {
            // No grace period: scrapes and probes are retried by their callers.
            server.stop(0);
            executor.shutdownNow();
        }
        changeState(State.CLOSED);
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("ops server is " + state);
        }
    }

    private void changeState(State next) {
        LOG.info("ops server for service {} {} -> {}{}", metrics.service(), state, next,
                next == State.RUNNING ? " on " + baseUrl() : "");
        state = next;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/metrics" -> send(exchange, 200, METRICS_CONTENT_TYPE, metrics.scrape());
                case "/health" -> sendHealth(exchange, health::details);
                case "/health/ready" -> sendHealth(exchange, health::readiness);
                case "/health/live" -> sendHealth(exchange, health::liveness);
                default -> send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            }
        } catch (RuntimeException e) {
            // The JDK server would drop the connection without a word; answer 500 and keep serving.
            LOG.warn("ops request {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
            send(exchange, 500, "text/plain; charset=utf-8", "internal error\n");
        } finally {
            exchange.close();
        }
    }

    private static void sendHealth(HttpExchange exchange, Supplier<Health.Report> probe) throws IOException {
        Health.Report report = probe.get();
        send(exchange, report.up() ? 200 : 503, JSON_CONTENT_TYPE, report.toJson());
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static ExecutorService newExecutor(String service) {
        int id = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        // Two daemon threads: a slow scrape cannot starve the health probes, and the server never keeps the JVM alive.
        return new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "spine-ops-" + service + "-" + id + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
