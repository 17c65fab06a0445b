package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/arrivals} on the real broker: buckets by hour (24 h) and by six hours (7 d), per rule, counting only
 * the caller's domains (another domain's dead letters in the same window are left out and the scope says so).
 */
@ExtendWith(SpineExtension.class)
class ArrivalsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void arrivals_per_rule_over_a_day_and_a_week_count_only_the_callers_domains(SpineTestKit kit) throws Exception {
        try (PaymentsFixture mine = new PaymentsFixture(kit, "arrivals-mine"); PaymentsFixture theirs = new PaymentsFixture(kit, "arrivals-theirs")) {
            Instant spike = Instant.now().minus(Duration.ofHours(3));
            mine.publishDeadLettersAt(3, "ZZZ", spike);
            mine.publishDeadLettersAt(2, "ZZZ", Instant.now().minus(Duration.ofDays(2)));
            mine.publishDeadLettersAt(1, "ZZZ", Instant.now().minus(Duration.ofDays(9)));
            Instant now = Instant.now();
            mine.publishDeadLettersAt(1, "ZZZ", now);
            mine.publishUndecodable(mine.contract.rawTopic());
            theirs.publishDeadLettersAt(4, "ZZZ", spike);
            List<ApiToken> tokens = List.of(ApiToken.parse("sam=" + ApiToken.hash("arrivals-steward") + ";steward;" + mine.contract.domain()),
                    ApiToken.parse("vera=" + ApiToken.hash("arrivals-viewer") + ";viewer;" + mine.contract.domain()),
                    ApiToken.parse("ada=" + ApiToken.hash("arrivals-admin") + ";admin"));
            ContractCatalog both = ContractCatalog.of(List.of(mine.contract, theirs.contract));
            try (DlqApiServer server = DlqApiServer.start(mine.config().withTokens(tokens), both)) {
                JsonNode day = get(server, "/api/arrivals?window=24h", "arrivals-steward", 200);
                assertThat(day.get("window").asText()).isEqualTo("24h");
                assertThat(day.get("bucket_seconds").asLong()).isEqualTo(3600);
                assertThat(day.get("buckets")).hasSize(24);
                assertThat(day.get("total").asLong()).as("3 of the spike, 1 now, the undecodable now; not theirs 4").isEqualTo(5);
                assertThat(day.at("/scope/narrowed").asBoolean()).as("their spike was in the window, left out").isTrue();
                assertThat(JSON.convertValue(day.get("rules"), List.class)).containsExactly("[DESERIALIZATION]", "currency-iso-4217");
                String spikeBucket = Instant.ofEpochSecond(spike.getEpochSecond() / 3600 * 3600).toString();
                JsonNode bucket = bucketAt(day, spikeBucket);
                assertThat(bucket.get("total").asLong()).isEqualTo(3);
                assertThat(bucket.at("/by_rule/currency-iso-4217").asLong()).isEqualTo(3);
                assertThat(bucketAt(day, Instant.ofEpochSecond(now.getEpochSecond() / 3600 * 3600).toString())
                        .at("/by_rule/currency-iso-4217").asLong()).isEqualTo(1);
                long undecodable = 0;
                for (JsonNode b : day.get("buckets")) {
                    undecodable += b.at("/by_rule/[DESERIALIZATION]").asLong();
                }
                assertThat(undecodable).as("no rule: under its failure type").isEqualTo(1);
                assertThat(Instant.parse(day.get("to").asText())).isAfter(Instant.now().minusSeconds(5));

                JsonNode week = get(server, "/api/arrivals?window=7d&rule=currency-iso-4217", "arrivals-viewer", 200);
                assertThat(week.get("bucket_seconds").asLong()).isEqualTo(6 * 3600);
                assertThat(week.get("buckets")).hasSize(28);
                assertThat(week.get("total").asLong()).as("3 + 2 + 1 by rule; the one of 9 days ago is outside the week").isEqualTo(6);
                assertThat(Instant.parse(week.at("/buckets/0/start").asText()).getEpochSecond() % (6 * 3600)).isZero();

                // a dead letter dealt with still arrived; status narrows when asked
                JsonNode parked = get(server, "/api/arrivals?status=parked", "arrivals-steward", 200);
                assertThat(parked.get("total").asLong()).isZero();

                JsonNode admin = get(server, "/api/arrivals?window=24h&rule=currency-iso-4217", "arrivals-admin", 200);
                assertThat(admin.get("total").asLong()).as("the admin sees both domains' spikes (and other tests' dead letters)").isGreaterThanOrEqualTo(8);
                assertThat(admin.at("/scope/narrowed").asBoolean()).isFalse();

                assertThat(get(server, "/api/arrivals?window=3d", "arrivals-steward", 400).get("error").asText()).contains("window", "24h, 7d");
                assertThat(get(server, "/api/arrivals?where=currency%3DZZZ", "arrivals-steward", 400).get("error").asText()).contains("where");
            }
        }
    }

    private static JsonNode bucketAt(JsonNode arrivals, String start) {
        for (JsonNode b : arrivals.get("buckets")) {
            if (b.get("start").asText().equals(start)) {
                return b;
            }
        }
        throw new AssertionError("no bucket starting " + start + " in " + arrivals);
    }

    private static JsonNode get(DlqApiServer server, String path, String token, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }
}
