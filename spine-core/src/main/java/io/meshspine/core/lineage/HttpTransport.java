package io.meshspine.core.lineage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** POST to a Marquez-compatible {@code /api/v1/lineage}: any 2xx is accepted, anything else is a failure to retry. */
final class HttpTransport implements LineageTransport {

    private final URI url;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HttpTransport(URI url) {
        this.url = url;
    }

    @Override
    public void send(RunEvent event, String json) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            // The status only: the endpoint's body may echo the event, and the event names paths and topics.
            throw new IOException("lineage endpoint answered HTTP " + response.statusCode());
        }
    }
}
