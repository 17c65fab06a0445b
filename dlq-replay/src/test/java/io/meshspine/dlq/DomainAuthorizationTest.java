package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.render.PiiMask;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every HTTP route for each role (viewer, steward of domain A, admin) on a dead letter of the caller's own domain A
 * and of another domain B, on the real broker and registry: what each may do, what each sees, and that a filter
 * reaching into another domain is narrowed and says so.
 */
@ExtendWith(SpineExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DomainAuthorizationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    enum Caller {
        VIEWER("vera", "viewer-a-token", Role.VIEWER),
        STEWARD("sam", "steward-a-token", Role.STEWARD),
        ADMIN("ada", "admin-token", Role.ADMIN);

        final String name;
        final String token;
        final Role role;

        Caller(String name, String token, Role role) {
            this.name = name;
            this.token = token;
            this.role = role;
        }
    }

    enum Endpoint {
        SUMMARY(Role.VIEWER), LIST(Role.VIEWER), INSPECT(Role.VIEWER), REPAIR(Role.STEWARD), RECHECK(Role.STEWARD),
        REPLAY_DRY_RUN(Role.STEWARD), REPLAY(Role.STEWARD), PARK(Role.STEWARD), RESOLVE(Role.STEWARD), AUDIT(Role.STEWARD);

        final Role needs;

        Endpoint(Role needs) {
            this.needs = needs;
        }
    }

    enum Domain { OWN, OTHER }

    private PaymentsFixture a;
    private PaymentsFixture b;
    private DlqApiServer server;
    private Steward auditor;

    @BeforeAll
    void start(SpineTestKit kit) {
        a = new PaymentsFixture(kit, "authz-a");
        b = new PaymentsFixture(kit, "authz-b");
        List<ApiToken> tokens = List.of(
                ApiToken.parse("vera=" + ApiToken.hash(Caller.VIEWER.token) + ";viewer;" + a.contract.domain()),
                ApiToken.parse("sam=" + ApiToken.hash(Caller.STEWARD.token) + ";steward;" + a.contract.domain()),
                ApiToken.parse("ada=" + ApiToken.hash(Caller.ADMIN.token) + ";admin"));
        server = DlqApiServer.start(a.config().withTokens(tokens), ContractCatalog.of(List.of(a.contract, b.contract)));
        auditor = Steward.operator("auditor");
    }

    @AfterAll
    void stop() {
        server.close();
        a.close();
        b.close();
    }

    static Stream<Arguments> matrix() {
        return Arrays.stream(Caller.values()).flatMap(c -> Arrays.stream(Endpoint.values())
                .flatMap(e -> Arrays.stream(Domain.values()).map(d -> Arguments.of(c, e, d))));
    }

    @ParameterizedTest(name = "{0} {1} on a dead letter of the {2} domain")
    @MethodSource("matrix")
    void each_role_may_do_what_its_role_allows_and_only_to_its_own_domains(Caller caller, Endpoint endpoint, Domain domain) throws Exception {
        PaymentsFixture target = domain == Domain.OWN ? a : b;
        DeadLetter letter = target.publishDeadLetters(1, "aud").get(0);
        String id = letter.id();
        String byId = "{\"id\":\"" + id + "\"}";
        String query = "?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
        boolean allowed = caller.role.includes(endpoint.needs);
        boolean mine = caller.role == Role.ADMIN || domain == Domain.OWN;
        int expectCount = mine ? 1 : 0;
        String auditId = null;
        if (endpoint == Endpoint.AUDIT) {
            auditId = server.workbench().recheck(DeadLetterFilter.byId(id), Steward.operator("ada")).auditId();
        }

        HttpResponse<String> response = switch (endpoint) {
            case SUMMARY -> send("GET", "/api/summary" + query, null, caller.token);
            case LIST -> send("GET", "/api/dead-letters" + query, null, caller.token);
            case INSPECT -> send("GET", "/api/dead-letters/" + URLEncoder.encode(id, StandardCharsets.UTF_8), null, caller.token);
            case REPAIR -> send("POST", "/api/repair", "{\"filter\":" + byId + ",\"patch\":{\"currency\":\"AUD\"}}", caller.token);
            case RECHECK -> send("POST", "/api/recheck", "{\"filter\":" + byId + "}", caller.token);
            case REPLAY_DRY_RUN -> send("POST", "/api/replay", "{\"filter\":" + byId + "}", caller.token);
            case REPLAY -> send("POST", "/api/replay", "{\"filter\":" + byId + ",\"dry_run\":false}", caller.token);
            case PARK -> send("POST", "/api/park", "{\"filter\":" + byId + ",\"reason\":\"test payment\"}", caller.token);
            case RESOLVE -> send("POST", "/api/resolve", "{\"filter\":" + byId + ",\"reason\":\"booked by hand\"}", caller.token);
            case AUDIT -> send("GET", "/api/audit?limit=100000", null, caller.token);
        };

        if (!allowed) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
            assertThat(server.workbench().list(DeadLetterFilter.byId(id), auditor)).singleElement()
                    .satisfies(q -> assertThat(q.status()).isEqualTo(DeadLetterStatus.ACTIVE));
            return;
        }
        if (endpoint == Endpoint.INSPECT) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(mine ? 200 : 403);
            if (mine) {
                String customer = JSON.readTree(response.body()).at("/original/value/customer_id").asText();
                if (caller.role == Role.VIEWER) {
                    assertThat(customer).isEqualTo(PiiMask.MASKED);
                } else {
                    assertThat(customer).startsWith("C");
                }
            }
            return;
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        if (endpoint == Endpoint.AUDIT) {
            List<String> ids = new ArrayList<>();
            body.forEach(e -> ids.add(e.get("id").asText()));
            if (mine) {
                assertThat(ids).contains(auditId);
            } else {
                assertThat(ids).doesNotContain(auditId);
            }
            return;
        }
        assertThat(body.at("/scope/narrowed").asBoolean()).as("narrowed: %s", body).isEqualTo(!mine);
        DeadLetterStatus after = server.workbench().list(DeadLetterFilter.parse(java.util.Map.of("id", List.of(id), "status", List.of("any"))),
                auditor).get(0).status();
        switch (endpoint) {
            case SUMMARY -> assertThat(body.get("total").asInt()).isEqualTo(expectCount);
            case LIST -> {
                assertThat(body.get("total").asInt()).isEqualTo(expectCount);
                assertThat(body.toString()).doesNotContain("customer_id");
            }
            case REPAIR -> {
                assertThat(body.at("/counts/repaired").asInt()).isEqualTo(expectCount);
                assertThat(server.workbench().list(DeadLetterFilter.byId(id), auditor).get(0).state().repair() != null).isEqualTo(mine);
            }
            case RECHECK -> assertThat(body.at("/counts/fails").asInt()).isEqualTo(expectCount);
            case REPLAY_DRY_RUN -> assertThat(body.at("/counts/would_fail_again").asInt()).isEqualTo(expectCount);
            case REPLAY -> {
                assertThat(body.at("/counts/replayed").asInt()).isEqualTo(expectCount);
                assertThat(after).isEqualTo(mine ? DeadLetterStatus.REPLAYED : DeadLetterStatus.ACTIVE);
            }
            case PARK -> {
                assertThat(body.at("/counts/parked").asInt()).isEqualTo(expectCount);
                assertThat(after).isEqualTo(mine ? DeadLetterStatus.PARKED : DeadLetterStatus.ACTIVE);
            }
            case RESOLVE -> {
                assertThat(body.at("/counts/resolved").asInt()).isEqualTo(expectCount);
                assertThat(after).isEqualTo(mine ? DeadLetterStatus.RESOLVED : DeadLetterStatus.ACTIVE);
            }
            default -> throw new AssertionError(endpoint);
        }
    }

    @Test
    void a_filter_spanning_domains_is_narrowed_to_the_callers_and_the_answer_says_so() throws Exception {
        a.publishDeadLetters(2, "aud");
        b.publishDeadLetters(2, "aud");
        String spanning = "/api/dead-letters?rule=currency-iso-4217&limit=100000";
        JsonNode steward = JSON.readTree(send("GET", spanning, null, Caller.STEWARD.token).body());
        assertThat(steward.at("/scope/narrowed").asBoolean()).isTrue();
        assertThat(steward.at("/scope/domains/0").asText()).isEqualTo(a.contract.domain());
        List<String> domains = new ArrayList<>();
        steward.get("items").forEach(i -> domains.add(i.get("domain").asText()));
        assertThat(domains).isNotEmpty().containsOnly(a.contract.domain());

        JsonNode admin = JSON.readTree(send("GET", spanning, null, Caller.ADMIN.token).body());
        assertThat(admin.at("/scope/narrowed").asBoolean()).isFalse();
        List<String> all = new ArrayList<>();
        admin.get("items").forEach(i -> all.add(i.get("domain").asText()));
        assertThat(all).contains(a.contract.domain(), b.contract.domain());

        // A filter on the other domain's PII field reveals nothing of it: it only ever looks at the caller's domains.
        JsonNode summary = JSON.readTree(send("GET", "/api/summary?contract=" + b.contract.qualifiedName(), null, Caller.STEWARD.token).body());
        assertThat(summary.get("total").asInt()).isZero();
        assertThat(summary.at("/scope/narrowed").asBoolean()).isTrue();
    }

    @Test
    void dead_letters_without_a_contract_belong_to_the_domain_their_raw_topic_names_else_to_admins_only() throws Exception {
        DeadLetter fromOwnRaw = a.publishUndecodable("raw." + a.contract.domain() + ".legacy_feed");
        DeadLetter fromNowhere = a.publishUndecodable(SpineTestKit.uniqueName("mainframe-export"));
        for (Caller c : List.of(Caller.VIEWER, Caller.STEWARD)) {
            assertThat(total(c, fromOwnRaw.id())).as("%s, raw topic of its domain", c).isEqualTo(1);
            assertThat(total(c, fromNowhere.id())).as("%s, no domain", c).isZero();
            assertThat(send("GET", "/api/dead-letters/" + URLEncoder.encode(fromNowhere.id(), StandardCharsets.UTF_8), null, c.token)
                    .statusCode()).isEqualTo(403);
        }
        assertThat(total(Caller.ADMIN, fromOwnRaw.id())).isEqualTo(1);
        assertThat(total(Caller.ADMIN, fromNowhere.id())).isEqualTo(1);
        HttpResponse<String> park = send("POST", "/api/park", "{\"filter\":{\"id\":\"" + fromNowhere.id() + "\"},\"reason\":\"noise\"}",
                Caller.STEWARD.token);
        assertThat(JSON.readTree(park.body()).at("/counts/parked").asInt()).isZero();
    }

    @Test
    void changing_actions_refuse_a_filter_that_narrows_nothing_unless_all_is_said() throws Exception {
        for (String path : List.of("/api/repair", "/api/park", "/api/resolve", "/api/replay")) {
            String body = switch (path) {
                case "/api/repair" -> "{\"filter\":{},\"patch\":{\"currency\":\"AUD\"}}";
                case "/api/replay" -> "{\"filter\":{},\"dry_run\":false}";
                default -> "{\"filter\":{},\"reason\":\"spring cleaning\"}";
            };
            HttpResponse<String> refused = send("POST", path, body, Caller.STEWARD.token);
            assertThat(refused.statusCode()).as(path).isEqualTo(400);
            assertThat(JSON.readTree(refused.body()).get("error").asText()).contains("\"all\": true");
        }
        // The dry run changes nothing, so it may look at the whole (own) queue.
        assertThat(send("POST", "/api/replay", "{\"filter\":{}}", Caller.STEWARD.token).statusCode()).isEqualTo(200);
        List<AuditEntry> audit = server.workbench().audit(100_000, auditor);
        assertThat(audit).filteredOn(e -> e.action().equals("http-request") && "400".equals(e.outcome()) && "sam".equals(e.who()))
                .extracting(e -> e.details().get("path").asText()).contains("/api/repair", "/api/park", "/api/resolve", "/api/replay");
    }

    private int total(Caller c, String id) throws Exception {
        HttpResponse<String> r = send("GET", "/api/dead-letters?status=any&id=" + URLEncoder.encode(id, StandardCharsets.UTF_8), null, c.token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("total").asInt();
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + token);
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
