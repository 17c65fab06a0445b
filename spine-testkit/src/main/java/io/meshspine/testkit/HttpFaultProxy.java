package io.meshspine.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * An HTTP hop in front of a real server (the registry) that can be told to answer every request with an error
 * status instead of forwarding it: what a service meets when its credentials are revoked (401, 403) or a gateway is
 * overloaded (429, 503). Everything else is forwarded to the real server as it is.
 */
public final class HttpFaultProxy implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "host", "transfer-encoding", "upgrade");

    private final URI target;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile int answer;

    /** @param target scheme, host and port of the real server, e.g. {@code http://127.0.0.1:8080} */
    public HttpFaultProxy(URI target) {
        this.target = target;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(FreePorts.LOOPBACK), FreePorts.next()), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** The proxy's base URL: the target's, on the proxy's port. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on every request is answered with {@code status} (e.g. 401), not forwarded. */
    public void answerAll(int status) {
        answer = status;
    }

    /** Forwards again. */
    public void forward() {
        answer = 0;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = answer;
            if (status != 0) {
                byte[] body = ("{\"title\":\"injected " + status + "\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), requestBody.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(requestBody));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                    values.forEach(v -> exchange.getResponseHeaders().add(name, v));
                }
            });
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
            if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
