package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.render.PiiMask;
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
    void each_route_answers_401_without_a_valid_token_403_without_the_role_and_serves_the_roles_that_may(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "http-auth")) {
            List<DeadLetter> letters = f.publishDeadLetters(3, "aud");
            String domain = f.contract.domain();
            List<ApiToken> tokens = List.of(ApiToken.parse("vera=" + ApiToken.hash("viewer-token") + ";viewer"),
                    ApiToken.parse("sam=" + ApiToken.hash("steward-token") + ";steward;" + domain),
                    ApiToken.parse("olga=" + ApiToken.hash("other-steward-token") + ";steward;crm"),
                    ApiToken.parse("ada=" + ApiToken.hash("admin-token") + ";admin"));
            try (DlqApiServer server = DlqApiServer.start(f.config().withTokens(tokens), f.catalog)) {
                URI base = server.url();
                String mine = "{\"contract\":\"" + f.contract.qualifiedName() + "\"}";
                String one = URLEncoder.encode(letters.get(0).id(), StandardCharsets.UTF_8);
                String other = "{\"id\":\"" + letters.get(2).id() + "\"}";
                Map<DlqApiServer.Route, Call> calls = new java.util.LinkedHashMap<>();
                for (DlqApiServer.Route r : DlqApiServer.ROUTES) {
                    if (r.role() == null) {
                        continue;
                    }
                    calls.put(r, switch (r.path()) {
                        case "/api/summary" -> new Call("GET", "/api/summary?contract=" + f.contract.qualifiedName(), null);
                        case "/api/dead-letters" -> new Call("GET", "/api/dead-letters?contract=" + f.contract.qualifiedName(), null);
                        case "/api/dead-letters/{id}" -> new Call("GET", "/api/dead-letters/" + one, null);
                        case "/api/repair" -> new Call("POST", r.path(), "{\"filter\":" + mine + ",\"patch\":{\"currency\":\"AUD\"}}");
                        case "/api/recheck" -> new Call("POST", r.path(), "{\"filter\":" + mine + "}");
                        case "/api/replay" -> new Call("POST", r.path(), "{\"filter\":" + mine + "}");
                        case "/api/park" -> new Call("POST", r.path(), "{\"filter\":" + other + ",\"reason\":\"duplicate of a booked payment\"}");
                        case "/api/resolve" -> new Call("POST", r.path(), "{\"filter\":" + other + ",\"reason\":\"settled by hand\"}");
                        case "/api/audit" -> new Call("GET", "/api/audit?limit=500", null);
                        default -> throw new AssertionError("a route this test does not call: " + r);
                    });
                }
                for (Map.Entry<DlqApiServer.Route, Call> e : calls.entrySet()) {
                    Call c = e.getValue();
                    assertThat(send(base, c, null).statusCode()).as("no token: %s", c).isEqualTo(401);
                    assertThat(send(base, c, "not-a-token").statusCode()).as("wrong token: %s", c).isEqualTo(401);
                    int viewer = send(base, c, "viewer-token").statusCode();
                    assertThat(viewer).as("viewer: %s", c).isEqualTo(e.getKey().role() == Role.VIEWER ? 200 : 403);
                    assertThat(send(base, c, "steward-token").statusCode()).as("steward: %s", c).isEqualTo(200);
                    HttpResponse<String> admin = send(base, c, "admin-token");
                    assertThat(admin.statusCode()).as("admin: %s %s", c, admin.body()).isEqualTo(200);
                }

                // PII: masked for viewers and for stewards of other domains, shown to the domain's steward and admins.
                Call inspect = calls.get(DlqApiServer.ROUTES.get(2));
                assertThat(body(send(base, inspect, "viewer-token")).at("/original/value/customer_id").asText()).isEqualTo(PiiMask.MASKED);
                assertThat(body(send(base, inspect, "other-steward-token")).at("/original/value/customer_id").asText()).isEqualTo(PiiMask.MASKED);
                assertThat(body(send(base, inspect, "steward-token")).at("/original/value/customer_id").asText()).startsWith("C");
                assertThat(body(send(base, inspect, "admin-token")).at("/original/value/customer_id").asText()).startsWith("C");
                // A steward of another domain may not filter on, or patch, this domain's PII.
                assertThat(send(base, new Call("GET", "/api/dead-letters?where=customer_id%3DC1", null), "other-steward-token").statusCode())
                        .isEqualTo(403);
                assertThat(send(base, new Call("POST", "/api/repair", "{\"filter\":" + mine + ",\"patch\":{\"customer_id\":\"C1\"}}"),
                        "other-steward-token").statusCode()).isEqualTo(403);

                // The replay through the API defaults to a dry run: nothing left the active queue.
                JsonNode dry = body(send(base, calls.get(DlqApiServer.ROUTES.get(5)), "steward-token"));
                assertThat(dry.get("dry_run").asBoolean()).isTrue();
                assertThat(dry.at("/counts/would_pass").asInt()).isEqualTo(2);
                JsonNode list = body(send(base, calls.get(DlqApiServer.ROUTES.get(1)), "viewer-token"));
                assertThat(list.get("total").asInt()).isEqualTo(2);
                assertThat(list.toString()).doesNotContain("customer_id");

                // Bad requests are the caller's fault, named.
                HttpResponse<String> bad = send(base, new Call("GET", "/api/dead-letters?colour=red", null), "viewer-token");
                assertThat(bad.statusCode()).isEqualTo(400);
                assertThat(JSON.readTree(bad.body()).get("error").asText()).contains("colour");
                assertThat(send(base, new Call("GET", "/api/dead-letters/" + URLEncoder.encode("no/such/1", StandardCharsets.UTF_8), null),
                        "viewer-token").statusCode()).isEqualTo(404);

                // Every refusal is in the audit, with who (when known) and the status.
                JsonNode audit = body(send(base, calls.get(DlqApiServer.ROUTES.get(8)), "admin-token"));
                List<JsonNode> refusals = new ArrayList<>();
                audit.forEach(a -> {
                    if (a.get("action").asText().equals("http-request")) {
                        refusals.add(a);
                    }
                });
                long steward401 = refusals.stream().filter(a -> a.get("outcome").asText().equals("401")).count();
                assertThat(steward401).isGreaterThanOrEqualTo(2L * calls.size());
                assertThat(refusals).anySatisfy(a -> {
                    assertThat(a.get("who").asText()).isEqualTo("vera");
                    assertThat(a.get("outcome").asText()).isEqualTo("403");
                    assertThat(a.at("/details/path").asText()).isEqualTo("/api/replay");
                });
                assertThat(refusals).anySatisfy(a -> {
                    assertThat(a.get("who").asText()).isEqualTo("olga");
                    assertThat(a.at("/details/path").asText()).isEqualTo("/api/repair");
                });
                assertThat(audit.toString()).doesNotContain("viewer-token", "steward-token", "admin-token");
                List<JsonNode> mineAudited = new ArrayList<>();
                audit.forEach(a -> {
                    if (a.get("filter") != null && (a.get("filter").toString().contains(f.contract.qualifiedName())
                            || a.get("filter").toString().contains(letters.get(2).id()))) {
                        mineAudited.add(a);
                    }
                });
                assertThat(mineAudited).extracting(a -> a.get("action").asText()).contains("repair", "recheck", "replay-dry-run", "park");
                assertThat(mineAudited).filteredOn(a -> a.get("action").asText().equals("park"))
                        .allSatisfy(a -> assertThat(a.get("who").asText()).isIn("sam", "ada"));
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
