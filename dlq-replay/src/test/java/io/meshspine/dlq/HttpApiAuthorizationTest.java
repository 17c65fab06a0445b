package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API on the real broker and registry: who may call what, what they see, and that refusals are audited. */
@ExtendWith(SpineExtension.class)
class HttpApiAuthorizationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private record Call(String method, String path, String body) {
    }

    @Test
    void each_route_answers_401_without_a_valid_token_and_every_refusal_is_audited_without_the_token(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "http-auth")) {
            List<DeadLetter> letters = f.publishDeadLetters(1, "aud");
            List<ApiToken> tokens = List.of(ApiToken.parse("vera=" + ApiToken.hash("viewer-token") + ";viewer;" + f.contract.domain()),
                    ApiToken.parse("ada=" + ApiToken.hash("admin-token") + ";admin"));
            try (DlqWorkbench bench = DlqWorkbench.open(f.config().withTokens(tokens), f.catalog);
                 DlqApiServer server = DlqApiServer.start(bench)) {
                URI base = server.url();
                String one = URLEncoder.encode(letters.get(0).id(), StandardCharsets.UTF_8);
                List<Call> calls = new ArrayList<>();
                for (DlqApiServer.Route r : DlqApiServer.ROUTES) {
                    if (r.role() != null) {
                        calls.add(new Call(r.method(), r.path().replace("{id}", one), r.method().equals("POST") ? "{\"filter\":{}}" : null));
                    }
                }
                for (Call c : calls) {
                    assertThat(send(base, c, null).statusCode()).as("no token: %s", c).isEqualTo(401);
                }
                // A flood without a valid token is throttled per address once the burst is spent.
                List<Integer> flood = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    flood.add(send(base, calls.get(0), "not-a-token").statusCode());
                }
                assertThat(flood).containsOnly(401, 429).contains(429);
                assertThat(send(base, new Call("POST", "/api/replay", "{\"filter\":{}}"), "viewer-token").statusCode()).isEqualTo(403);

                // Bad requests are the caller's fault, named.
                HttpResponse<String> bad = send(base, new Call("GET", "/api/dead-letters?colour=red", null), "viewer-token");
                assertThat(bad.statusCode()).isEqualTo(400);
                assertThat(JSON.readTree(bad.body()).get("error").asText()).contains("colour");
                assertThat(send(base, new Call("GET", "/api/dead-letters/" + URLEncoder.encode("no/such/1", StandardCharsets.UTF_8), null),
                        "viewer-token").statusCode()).isEqualTo(404);

                JsonNode audit = body(send(base, new Call("GET", "/api/audit?limit=100000", null), "admin-token"));
                List<JsonNode> refusals = new ArrayList<>();
                audit.forEach(a -> {
                    if (a.get("action").asText().equals("http-request")) {
                        refusals.add(a);
                    }
                });
                assertThat(refusals).as("401s are summarised, not audited one by one").noneMatch(a -> a.get("outcome").asText().equals("401"));
                long throttled = flood.stream().filter(st -> st == 429).count();
                server.close();
                List<AuditEntry> summaries = bench.audit(100_000, Steward.operator("t")).stream()
                        .filter(e -> e.action().equals("http-unauthenticated")).toList();
                assertThat(summaries).isNotEmpty();
                AuditEntry last = summaries.get(summaries.size() - 1);
                assertThat(last.details().at("/by_address/127.0.0.1/refused_401").asLong()).isEqualTo(calls.size() + 40 - throttled);
                assertThat(last.details().at("/by_address/127.0.0.1/throttled_429").asLong()).isEqualTo(throttled);
                assertThat(refusals).anySatisfy(a -> {
                    assertThat(a.get("who").asText()).isEqualTo("vera");
                    assertThat(a.get("outcome").asText()).isEqualTo("403");
                    assertThat(a.at("/details/path").asText()).isEqualTo("/api/replay");
                });
                assertThat(refusals).anySatisfy(a -> {
                    assertThat(a.get("who").asText()).isEqualTo("vera");
                    assertThat(a.get("outcome").asText()).isEqualTo("400");
                    assertThat(a.at("/details/message").asText()).contains("colour");
                });
                assertThat(audit.toString()).doesNotContain("viewer-token", "admin-token", "not-a-token");
            }
        }
    }

    @Test
    void a_registry_that_cannot_be_reached_is_a_503_and_audited(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "http-503")) {
            DeadLetter letter = f.publishDeadLetters(1, "aud").get(0);
            URI registry = URI.create(kit.registryUrl());
            try (io.meshspine.testkit.TcpProxy proxy = new io.meshspine.testkit.TcpProxy(registry.getHost(), registry.getPort())) {
            DlqConfig unreachable = f.config().withTokens(List.of(ApiToken.parse("ada=" + ApiToken.hash("admin-token") + ";admin")));
            unreachable = new DlqConfig(unreachable.bootstrapServers(), kit.registryUrl().replace(":" + registry.getPort(), ":" + proxy.port()),
                    unreachable.maxReplayCount(), unreachable.replayBatch(), unreachable.replicationFactor(), unreachable.httpHost(), 0,
                    unreachable.tokens(), java.time.Duration.ofSeconds(10), java.util.Map.of(), null);
            try (DlqApiServer server = DlqApiServer.start(unreachable, f.catalog)) {
                // The envelopes were read through the proxy; the payment's own schema is asked for only on inspect.
                proxy.cut();
                HttpResponse<String> r = send(server.url(), new Call("GET", "/api/dead-letters/"
                        + URLEncoder.encode(letter.id(), StandardCharsets.UTF_8), null), "admin-token");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(server.workbench().audit(100_000, Steward.operator("t"))).anySatisfy(a -> {
                    assertThat(a.action()).isEqualTo("http-request");
                    assertThat(a.outcome()).isEqualTo("503");
                    assertThat(a.who()).isEqualTo("ada");
                });
            }
            }
        }
    }

    @Test
    void the_openapi_document_describes_every_route_the_server_has(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "http-openapi");
             DlqApiServer server = DlqApiServer.start(f.config(), f.catalog)) {
            HttpResponse<String> response = send(server.url(), new Call("GET", "/openapi.json", null), null);
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode doc = JSON.readTree(response.body());
            assertThat(doc.get("openapi").asText()).startsWith("3.");
            Set<String> documented = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
                var path = it.next();
                path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
            }
            Set<String> served = new TreeSet<>();
            DlqApiServer.ROUTES.forEach(r -> served.add(r.method() + " " + r.path()));
            assertThat(documented).isEqualTo(served);
            // Filter parameters documented are the ones the filter parses.
            List<String> params = new ArrayList<>();
            doc.at("/paths/~1api~1dead-letters/get/parameters").forEach(p -> params.add(p.get("name").asText()));
            assertThat(params).containsAll(DeadLetterFilter.PARAMETERS);
            assertThat(send(server.url(), new Call("GET", "/", null), null).body()).contains("DLQ workbench");
        }
    }

    private static HttpResponse<String> send(URI base, Call call, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(call.path()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(call.body()));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode body(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
