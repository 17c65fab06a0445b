package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The list over HTTP a page at a time, newest first, with a cursor that a dead letter arriving meanwhile does not shift. */
@ExtendWith(SpineExtension.class)
class ListPagingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void pages_follow_each_other_newest_first_without_repeats_or_gaps(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "paging")) {
            List<DeadLetter> letters = f.publishDeadLetters(7, "aud");
            List<ApiToken> tokens = List.of(ApiToken.parse("vera=" + ApiToken.hash("viewer-token") + ";viewer;" + f.contract.domain()));
            try (DlqApiServer server = DlqApiServer.start(f.config().withTokens(tokens), f.catalog)) {
                String base = "/api/dead-letters?limit=3&contract=" + f.contract.qualifiedName();
                JsonNode first = get(server, base);
                assertThat(first.get("total").asInt()).isEqualTo(7);
                DeadLetter late = f.publishDeadLetters(1, "aud").get(0);
                JsonNode second = get(server, base + "&cursor=" + cursor(first));
                JsonNode third = get(server, base + "&cursor=" + cursor(second));
                assertThat(third.get("next_cursor").isNull()).isTrue();

                List<String> seen = new ArrayList<>();
                for (JsonNode page : List.of(first, second, third)) {
                    page.get("items").forEach(i -> seen.add(i.get("id").asText()));
                }
                List<String> newestFirst = new ArrayList<>(letters.stream().map(DeadLetter::id).toList());
                java.util.Collections.reverse(newestFirst);
                assertThat(seen).as("3 + 3 + 1, newest first, the late one not pushed in").containsExactlyElementsOf(newestFirst);
                assertThat(third.get("total").asInt()).isEqualTo(8);

                JsonNode oldest = get(server, base + "&order=oldest");
                assertThat(oldest.at("/items/0/id").asText()).isEqualTo(letters.get(0).id());
                JsonNode newest = get(server, base);
                assertThat(newest.at("/items/0/id").asText()).isEqualTo(late.id());
            }
        }
    }

    private static String cursor(JsonNode page) {
        return URLEncoder.encode(page.get("next_cursor").asText(), StandardCharsets.UTF_8);
    }

    private static JsonNode get(DlqApiServer server, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer viewer-token")
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
