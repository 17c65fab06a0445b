package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.dlq.internal.UnauthenticatedRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workbench as JSON over HTTP (the JDK's server), with an OpenAPI document at {@code /openapi.json} and the
 * stewards' web page at {@code /}. Every {@code /api} request needs {@code Authorization: Bearer <token>}. No valid
 * token is 401, counted per client address and audited as one summary a minute, and beyond a burst per address 429
 * (before any Kafka write); a role that does not allow the route is 403, a bad request 400, a failure 5xx, each
 * audited. Binds 127.0.0.1 by default.
 */
public final class DlqApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DlqApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** One route of the API: what the OpenAPI document must describe, and the role it needs. */
    public record Route(String method, String path, Role role) {
    }

    /** Every API route; {@code {id}} is a URL-encoded dead-letter id. */
    public static final List<Route> ROUTES = List.of(
            new Route("GET", "/api/whoami", Role.VIEWER),
            new Route("GET", "/api/summary", Role.VIEWER),
            new Route("GET", "/api/arrivals", Role.VIEWER),
            new Route("GET", "/api/dead-letters", Role.VIEWER),
            new Route("GET", "/api/dead-letters/{id}", Role.VIEWER),
            new Route("POST", "/api/repair", Role.STEWARD),
            new Route("POST", "/api/recheck", Role.STEWARD),
            new Route("POST", "/api/replay", Role.STEWARD),
            new Route("POST", "/api/park", Role.STEWARD),
            new Route("POST", "/api/resolve", Role.STEWARD),
            new Route("GET", "/api/audit", Role.STEWARD),
            new Route("POST", "/api/privacy/erasures", Role.ADMIN),
            new Route("GET", "/openapi.json", null),
            new Route("GET", "/", null));

    private final DlqWorkbench bench;
    /** Null: erasure is not served here (501). */
    private final PrivacyErasures erasures;
    private final boolean ownsWorkbench;
    private final List<ApiToken> tokens;
    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] openApi;
    private final byte[] page;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final UnauthenticatedRequests unauthenticated = new UnauthenticatedRequests(20, 5, java.time.Clock.systemUTC());
    private final java.util.concurrent.ScheduledExecutorService summaries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spine-dlq-http-refusals");
        t.setDaemon(true);
        return t;
    });

    private DlqApiServer(DlqWorkbench bench, PrivacyErasures erasures, boolean ownsWorkbench, HttpServer server, ExecutorService executor) {
        this.bench = bench;
        this.erasures = erasures;
        this.ownsWorkbench = ownsWorkbench;
        this.tokens = bench.config().tokens();
        this.server = server;
        this.executor = executor;
        this.openApi = resource("openapi.json");
        this.page = resource("index.html");
    }

    /** Opens a workbench and serves it on the configured host and port (0: any free port). */
    public static DlqApiServer start(DlqConfig config, ContractCatalog catalog) {
        return start(DlqWorkbench.open(config, catalog), null, true);
    }

    /** Serves an open workbench (the demo shares one); closing the server leaves it open. */
    public static DlqApiServer start(DlqWorkbench bench) {
        return start(bench, null, false);
    }

    /** As {@link #start(DlqWorkbench)}, serving {@code POST /api/privacy/erasures} (admins) with {@code erasures}. */
    public static DlqApiServer start(DlqWorkbench bench, PrivacyErasures erasures) {
        return start(bench, erasures, false);
    }

    private static DlqApiServer start(DlqWorkbench bench, PrivacyErasures erasures, boolean owns) {
        DlqConfig config = bench.config();
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(config.httpHost(), config.httpPort()), 0);
        } catch (IOException e) {
            if (owns) {
                bench.close();
            }
            throw new UncheckedIOException("cannot bind the dlq api to " + config.httpHost() + ":" + config.httpPort(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "spine-dlq-http-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        DlqApiServer api = new DlqApiServer(bench, erasures, owns, http, executor);
        http.createContext("/", api::handle);
        http.setExecutor(executor);
        http.start();
        api.summaries.scheduleAtFixedRate(api::flushRefusals, 60, 60, java.util.concurrent.TimeUnit.SECONDS);
        if (config.tokens().isEmpty()) {
            log.warn("dlq api has no tokens configured: every /api request will be refused with 401");
        }
        log.info("dlq api listening url={} tokens={}", api.url(), config.tokens().size());
        return api;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:9410}. */
    public URI url() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
    }

    public DlqWorkbench workbench() {
        return bench;
    }

    private void flushRefusals() {
        try {
            unauthenticated.flush(bench::auditUnauthenticated);
        } catch (RuntimeException e) {
            log.warn("dlq summary of unauthenticated requests not written problem={}", e.toString());
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        summaries.shutdownNow();
        flushRefusals();
        if (ownsWorkbench) {
            bench.close();
        }
        log.info("dlq api stopped");
    }

    // ---- dispatch -------------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            if (method.equals("GET") && path.equals("/")) {
                send(exchange, 200, "text/html; charset=utf-8", page);
                return;
            }
            if (method.equals("GET") && path.equals("/openapi.json")) {
                send(exchange, 200, "application/json", openApi);
                return;
            }
            Optional<Route> route = match(method, path);
            if (route.isEmpty()) {
                boolean known = ROUTES.stream().anyMatch(r -> pathMatches(r.path(), path));
                error(exchange, known ? 405 : 404, known ? "method " + method + " not allowed on " + path : "no route " + path);
                return;
            }
            Optional<ApiToken> token = authenticate(exchange);
            if (token.isEmpty()) {
                // Counted, not audited one by one: a flood of bad tokens must not cost a Kafka write each.
                String address = exchange.getRemoteAddress().getAddress().getHostAddress();
                if (unauthenticated.refuse(address) == UnauthenticatedRequests.Verdict.THROTTLE_429) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                    error(exchange, 429, "too many requests without a valid token from " + address);
                    return;
                }
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"spine-dlq\"");
                error(exchange, 401, "a valid bearer token is needed");
                return;
            }
            Steward who = token.get().steward();
            if (!who.may(route.get().role())) {
                String message = who.name() + " (" + who.role().configValue() + ") may not do this: it needs " + route.get().role().configValue();
                bench.auditRefusal(who, method, path, 403, message);
                error(exchange, 403, message);
                return;
            }
            try {
                JsonNode body = serve(route.get(), exchange, who);
                if (body == null) {
                    error(exchange, 404, "no such dead letter");
                } else {
                    send(exchange, 200, "application/json", JSON.writeValueAsBytes(body));
                }
            } catch (AccessDeniedException e) {
                bench.auditRefusal(who, method, path, 403, e.getMessage());
                error(exchange, 403, e.getMessage());
            } catch (UnsupportedOperationException e) {
                bench.auditRefusal(who, method, path, 501, e.getMessage());
                error(exchange, 501, e.getMessage());
            } catch (IllegalArgumentException e) {
                bench.auditRefusal(who, method, path, 400, e.getMessage());
                error(exchange, 400, e.getMessage());
            } catch (RegistryUnavailableException | org.apache.kafka.common.errors.TimeoutException e) {
                bench.auditRefusal(who, method, path, 503, e.getClass().getSimpleName());
                error(exchange, 503, "the broker or the registry cannot be reached; try again (" + e.getClass().getSimpleName() + ")");
            } catch (RuntimeException e) {
                log.error("dlq api request failed method={} path={}", method, path, e);
                bench.auditRefusal(who, method, path, 500, e.getClass().getSimpleName());
                error(exchange, 500, "the workbench failed (" + e.getClass().getSimpleName() + "); the log has the details");
            }
        } catch (RuntimeException e) {
            log.error("dlq api request failed", e);
        }
    }

    private JsonNode serve(Route route, HttpExchange exchange, Steward who) throws IOException {
        Map<String, List<String>> query = query(exchange.getRequestURI().getRawQuery());
        switch (route.path()) {
            case "/api/whoami": {
                // What the page needs to show only the controls the caller may use.
                ObjectNode me = JSON.createObjectNode().put("name", who.name()).put("role", who.role().configValue());
                ArrayNode domains = me.putArray("domains");
                (who.allDomains() ? java.util.Set.of(Steward.ALL_DOMAINS) : new java.util.TreeSet<>(who.domains())).forEach(domains::add);
                ArrayNode may = me.putArray("may");
                ROUTES.stream().filter(r -> r.role() != null && who.may(r.role())).forEach(r -> may.add(r.method() + " " + r.path()));
                return me;
            }
            case "/api/summary":
                return bench.summary(DeadLetterFilter.parse(withoutPaging(query)), who).toJson();
            case "/api/arrivals": {
                // a dead letter dealt with since still arrived when it did: any status unless the caller names one
                Map<String, List<String>> q = new LinkedHashMap<>(query);
                q.remove("window");
                DeadLetterFilter f = DeadLetterFilter.parse(q);
                return bench.arrivals(Arrivals.Window.parse(first(query, "window")), q.containsKey("status") ? f : f.withStatusAny(), who).toJson();
            }
            case "/api/dead-letters": {
                int limit = intParam(query, "limit", ListPage.DEFAULT_LIMIT);
                ListPage page = bench.page(DeadLetterFilter.parse(withoutPaging(query)), who, ListPage.Order.parse(first(query, "order")),
                        first(query, "cursor"), limit);
                ObjectNode out = JSON.createObjectNode();
                out.put("total", page.total());
                out.put("next_cursor", page.nextCursor());
                out.set("scope", page.scope().toJson());
                ArrayNode items = out.putArray("items");
                page.items().forEach(q -> items.add(bench.row(q)));
                return out;
            }
            case "/api/dead-letters/{id}": {
                String raw = exchange.getRequestURI().getRawPath().substring("/api/dead-letters/".length());
                return bench.inspect(URLDecoder.decode(raw, StandardCharsets.UTF_8), who).orElse(null);
            }
            case "/api/audit": {
                ArrayNode out = JSON.createArrayNode();
                bench.audit(intParam(query, "limit", AuditEntry.DEFAULT_LIMIT), who).forEach(e -> out.add(e.toJson()));
                return out;
            }
            default:
                break;
        }
        JsonNode body = body(exchange);
        if (route.path().equals("/api/privacy/erasures")) {
            return erase(body, who);
        }
        DeadLetterFilter filter = filterOf(body.get("filter"));
        boolean all = body.path("all").asBoolean(false);
        boolean changes = switch (route.path()) {
            case "/api/repair" -> !body.path("dry_run").asBoolean(false);
            case "/api/park", "/api/resolve" -> true;
            case "/api/replay" -> !body.path("dry_run").asBoolean(true);
            default -> false;
        };
        if (changes) {
            filter.requireBounded(route.path().substring("/api/".length()), all, "\"all\": true");
        }
        return switch (route.path()) {
            case "/api/repair" -> body.path("dry_run").asBoolean(false) ? bench.previewRepair(filter, body.get("patch"), who).toJson()
                    : bench.repair(filter, body.get("patch"), who).toJson();
            case "/api/recheck" -> bench.recheck(filter, who).toJson();
            case "/api/park" -> bench.park(filter, body.path("reason").asText(null), who).toJson();
            case "/api/resolve" -> bench.resolve(filter, body.path("reason").asText(null), who).toJson();
            case "/api/replay" -> {
                ReplayRequest request = new ReplayRequest(filter, body.path("dry_run").asBoolean(true),
                        body.path("target_topic").asText(null), body.path("max").asInt(0), body.path("rate").asDouble(0),
                        body.path("force").asBoolean(false), body.path("job").asText(null));
                yield bench.replay(request, who, ReplayProgress.NONE).toJson();
            }
            default -> throw new IllegalStateException("unrouted " + route);
        };
    }

    /**
     * {@code {"subject_field": "customer_id", "subject_value": "C-1001", "reason": "GDPR-4711", "purge_now": false}}: the same erasure as
     * {@code ./spine privacy erase}, requested by the admin the token names (the attestation in spine.audit says so).
     * The subject value is personal data: it appears in no message, log or audit entry.
     */
    private JsonNode erase(JsonNode body, Steward who) {
        if (erasures == null) {
            throw new UnsupportedOperationException("erasure is not served by this workbench: it is started without the lake's settings"
                    + " (use ./spine privacy erase)");
        }
        String field = body.path("subject_field").asText("");
        String value = body.path("subject_value").asText("");
        String reason = body.path("reason").asText("");
        if (field.isBlank() || value.isBlank() || reason.isBlank()) {
            throw new IllegalArgumentException("an erasure needs subject_field, subject_value and reason");
        }
        return erasures.erase(field, value, reason, body.path("purge_now").asBoolean(false), who);
    }

    /** The list's paging parameters, beside the filter's. */
    public static final List<String> PAGING = List.of("limit", "cursor", "order");

    private static Map<String, List<String>> withoutPaging(Map<String, List<String>> query) {
        Map<String, List<String>> q = new LinkedHashMap<>(query);
        PAGING.forEach(q::remove);
        return q;
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static int intParam(Map<String, List<String>> query, String name, int fallback) {
        List<String> v = query.get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return Math.max(1, Integer.parseInt(v.get(0)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + v.get(0) + "' is not a whole number");
        }
    }

    /** A body's {@code filter}: an object of filter parameters, each a string or an array of strings. */
    private static DeadLetterFilter filterOf(JsonNode filter) {
        if (filter == null || filter.isNull()) {
            throw new IllegalArgumentException("the body needs a filter (an object of filter parameters; {} selects the active queue)");
        }
        if (!filter.isObject()) {
            throw new IllegalArgumentException("filter must be an object");
        }
        Map<String, List<String>> p = new LinkedHashMap<>();
        filter.fields().forEachRemaining(e -> {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else if (!e.getValue().isNull()) {
                values.add(e.getValue().asText());
            }
            p.put(e.getKey(), values);
        });
        return DeadLetterFilter.parse(p);
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new IllegalArgumentException("the body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            try {
                JsonNode n = JSON.readTree(bytes);
                if (n == null || !n.isObject()) {
                    throw new IllegalArgumentException("the body must be a JSON object");
                }
                return n;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
            }
        }
    }

    private Optional<Route> match(String method, String path) {
        return ROUTES.stream().filter(r -> r.role() != null && r.method().equals(method) && pathMatches(r.path(), path)).findFirst();
    }

    private static boolean pathMatches(String pattern, String path) {
        if (pattern.endsWith("/{id}")) {
            String prefix = pattern.substring(0, pattern.length() - "{id}".length());
            return path.startsWith(prefix) && path.length() > prefix.length() && path.indexOf('/', prefix.length()) < 0;
        }
        return pattern.equals(path);
    }

    /** The token whose hash the presented one has; every configured token is compared, each in constant time. */
    private Optional<ApiToken> authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return ApiToken.find(tokens, header.substring(7).trim());
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(JSON.createObjectNode().put("status", status).put("error", message)));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = DlqApiServer.class.getResourceAsStream("http/" + name)) {
            if (in == null) {
                throw new IllegalStateException("io/meshspine/dlq/http/" + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
