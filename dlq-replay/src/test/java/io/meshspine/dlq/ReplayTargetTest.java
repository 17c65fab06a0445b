package io.meshspine.dlq;


import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Replays go back through the gate only: to the raw topic of the dead letter's own contract, never past it. */
@ExtendWith(SpineExtension.class)
class ReplayTargetTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void an_explicit_target_other_than_the_contracts_raw_topic_is_refused_with_400_and_audited(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "target-a");
             PaymentsFixture other = new PaymentsFixture(kit, "target-b")) {
            DeadLetter letter = f.publishDeadLetters(1, "aud").get(0);
            List<ApiToken> tokens = List.of(ApiToken.parse("sam=" + ApiToken.hash("steward-token") + ";steward;" + f.contract.domain()));
            try (DlqApiServer server = DlqApiServer.start(f.config().withTokens(tokens), ContractCatalog.of(List.of(f.contract, other.contract)));
                 TopicReader product = new TopicReader(kit, f.contract.productTopic());
                 TopicReader raw = new TopicReader(kit, f.contract.rawTopic())) {
                String filter = "{\"id\":\"" + letter.id() + "\"}";
                for (String target : List.of(f.contract.productTopic(), Topics.AUDIT, Topics.DLQ, other.contract.rawTopic(), "anything.else")) {
                    HttpResponse<String> r = post(server, "/api/replay", "{\"filter\":" + filter + ",\"dry_run\":false,\"target_topic\":\"" + target + "\"}");
                    assertThat(r.statusCode()).as("%s: %s", target, r.body()).isEqualTo(400);
                    assertThat(JSON.readTree(r.body()).get("error").asText()).contains(target, f.contract.rawTopic());
                    // even as a dry run
                    assertThat(post(server, "/api/replay", "{\"filter\":" + filter + ",\"target_topic\":\"" + target + "\"}").statusCode())
                            .isEqualTo(400);
                }
                List<AuditEntry> audit = server.workbench().audit(100_000, Steward.operator("t"));
                assertThat(audit).filteredOn(e -> e.action().equals("replay-refused") && "sam".equals(e.who()))
                        .extracting(e -> e.details().get("target_topic").asText())
                        .contains(f.contract.productTopic(), Topics.AUDIT, Topics.DLQ, other.contract.rawTopic(), "anything.else");
                assertThat(audit).filteredOn(e -> e.action().equals("http-request") && "400".equals(e.outcome()) && "sam".equals(e.who()))
                        .hasSizeGreaterThanOrEqualTo(10);
                assertThat(server.workbench().list(DeadLetterFilter.byId(letter.id()), Steward.operator("t"))).singleElement()
                        .satisfies(q -> assertThat(q.status()).isEqualTo(DeadLetterStatus.ACTIVE));

                HttpResponse<String> own = post(server, "/api/replay", "{\"filter\":" + filter + ",\"dry_run\":false,\"target_topic\":\""
                        + f.contract.rawTopic() + "\"}");
                assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
                assertThat(JSON.readTree(own.body()).at("/counts/replayed").asInt()).isEqualTo(1);
                await().atMost(Duration.ofSeconds(20)).until(() -> raw.poll().size() == 1);
                assertThat(product.poll()).isEmpty();
            }
        }
    }

    @Test
    void without_a_target_a_dead_letter_goes_to_its_contracts_raw_topic_or_its_raw_source_and_else_nowhere(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "target-own");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog)) {
            String legacyRaw = kit.createTopic("raw." + f.contract.domain() + ".legacy_feed", 1);
            DeadLetter fromElsewhere = f.publishRuleViolation(f.payment(1, "aud"), SpineTestKit.uniqueName("mainframe-export"));
            DeadLetter undecodableRaw = f.publishUndecodable(legacyRaw);
            DeadLetter undecodableNowhere = f.publishUndecodable(SpineTestKit.uniqueName("ftp-drop"));
            Steward ada = new Steward("ada", Role.ADMIN, Set.of());
            DeadLetterFilter three = DeadLetterFilter.parse(java.util.Map.of("id",
                    List.of(fromElsewhere.id(), undecodableRaw.id(), undecodableNowhere.id())));
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(three, ada).size() == 3);
            try (TopicReader raw = new TopicReader(kit, f.contract.rawTopic());
                 TopicReader legacy = new TopicReader(kit, legacyRaw)) {
                ActionReport report = bench.replay(ReplayRequest.dryRun(three).forReal(), ada, ReplayProgress.NONE);
                assertThat(report.records()).filteredOn(r -> r.id().equals(fromElsewhere.id())).singleElement()
                        .satisfies(r -> assertThat(r.detail()).isEqualTo(f.contract.rawTopic()));
                assertThat(report.records()).filteredOn(r -> r.id().equals(undecodableRaw.id())).singleElement()
                        .satisfies(r -> assertThat(r.detail()).isEqualTo(legacyRaw));
                assertThat(report.records()).filteredOn(r -> r.id().equals(undecodableNowhere.id())).singleElement().satisfies(r -> {
                    assertThat(r.outcome()).isEqualTo(Outcome.REFUSED);
                    assertThat(r.detail()).contains("nowhere to replay");
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> raw.poll().size() == 1 && legacy.poll().size() == 1);
                assertThat(SpineHeaders.string(raw.poll().get(0).headers().lastHeader(SpineHeaders.REPLAY_OF).value())).isEqualTo(fromElsewhere.id());
            }
        }
    }

    private static HttpResponse<String> post(DlqApiServer server, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer steward-token")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

}
