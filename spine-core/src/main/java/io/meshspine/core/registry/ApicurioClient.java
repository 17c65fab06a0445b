package io.meshspine.core.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The few calls of Apicurio Registry's v3 REST API the spine makes itself (the serdes make the rest). Plain JDK
 * HTTP and Jackson: the API is small, and a thin client keeps its errors ours to word.
 */
public final class ApicurioClient {

    /** What the registry answered, when it answered with a client error. */
    public record Rejection(int status, String title, List<String> causes) {
    }

    public sealed interface Outcome<T> {
    }

    public record Accepted<T>(T value) implements Outcome<T> {
    }

    public record Rejected<T>(Rejection rejection) implements Outcome<T> {
    }

    /** A version of an artifact as the registry stores it. */
    public record ArtifactVersion(String version, long globalId, long contentId) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a read may take before the registry counts as unavailable. */
    public static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

    private final String registryUrl;
    private final HttpClient http;

    /** @param registryUrl the v3 core API, e.g. {@code http://127.0.0.1:8080/apis/registry/v3} */
    public ApicurioClient(String registryUrl) {
        this.registryUrl = registryUrl.replaceAll("/+$", "");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** The versions of an artifact, oldest first; empty when the artifact does not exist. */
    public List<ArtifactVersion> versions(String group, String artifactId) {
        HttpResponse<String> response = send(get(path(group, artifactId) + "/versions?limit=1000&orderby=globalId&order=asc"));
        if (response.statusCode() == 404) {
            return List.of();
        }
        JsonNode body = expectOk(response);
        List<ArtifactVersion> versions = new ArrayList<>();
        body.path("versions").forEach(v -> versions.add(version(v)));
        return versions;
    }

    /**
     * Creates the artifact with this content, or adds it as a new version, or finds the identical existing version
     * (Apicurio's {@code FIND_OR_CREATE_VERSION}, compared canonically), so re-running changes nothing.
     */
    public Outcome<ArtifactVersion> findOrCreateVersion(String group, String artifactId, String artifactType, String content) {
        ObjectNode body = JSON.createObjectNode();
        body.put("artifactId", artifactId);
        body.put("artifactType", artifactType);
        ObjectNode firstVersion = body.putObject("firstVersion");
        firstVersion.putObject("content").put("content", content).put("contentType", "application/json");
        HttpResponse<String> response = send(post(groupPath(group) + "/artifacts?ifExists=FIND_OR_CREATE_VERSION&canonical=true", body));
        if (response.statusCode() >= 400 && response.statusCode() < 500) {
            return new Rejected<>(rejection(response));
        }
        return new Accepted<>(version(expectOk(response).path("version")));
    }

    /** The rule's config, if the artifact has that rule. */
    public Optional<String> rule(String group, String artifactId, String ruleType) {
        HttpResponse<String> response = send(get(path(group, artifactId) + "/rules/" + ruleType));
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(expectOk(response).path("config").asText());
    }

    /** Changes the rule's config, or creates the rule when the artifact has none yet. */
    public void putRule(String group, String artifactId, String ruleType, String config) {
        ObjectNode body = JSON.createObjectNode().put("ruleType", ruleType).put("config", config);
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path(group, artifactId) + "/rules/" + ruleType))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        if (response.statusCode() == 404) {
            response = send(post(path(group, artifactId) + "/rules", body));
        }
        expectOk(response);
    }

    /** The schema the registry holds under a content id (what the serdes put in the wire format). */
    public Optional<String> contentById(long contentId) {
        HttpResponse<String> response = send(get("/ids/contentIds/" + contentId));
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            expectOk(response);
        }
        return Optional.of(response.body());
    }

    private static ArtifactVersion version(JsonNode v) {
        return new ArtifactVersion(v.path("version").asText(), v.path("globalId").asLong(), v.path("contentId").asLong());
    }

    private static String groupPath(String group) {
        return "/groups/" + URLEncoder.encode(group, StandardCharsets.UTF_8);
    }

    private static String path(String group, String artifactId) {
        return groupPath(group) + "/artifacts/" + URLEncoder.encode(artifactId, StandardCharsets.UTF_8);
    }

    private URI uri(String path) {
        return URI.create(registryUrl + path);
    }

    private HttpRequest get(String path) {
        // Well inside the gate's transaction timeout: a hung registry is a timeout (transient, retried), not a stall.
        return HttpRequest.newBuilder(uri(path)).timeout(LOOKUP_TIMEOUT).GET().build();
    }

    private HttpRequest post(String path, JsonNode body) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status >= 500 || status == 429 || status == 408) {
                // Overloaded, restarting or behind a proxy that gave up: it may answer the same request in a moment.
                throw new RegistryUnavailableException("the registry at " + registryUrl + " answered " + status
                        + " to " + request.method() + " " + request.uri().getPath() + ": " + abbreviate(response.body()), null);
            }
            if (status == 401 || status == 403) {
                throw new RegistryAccessDeniedException("the registry at " + registryUrl + " refused " + request.method() + " "
                        + request.uri().getPath() + " with " + status + (status == 401 ? " (not authenticated: check the registry credentials)"
                        : " (not authorised: check the grants of the spine's registry identity)"));
            }
            return response;
        } catch (IOException e) {
            throw new RegistryUnavailableException("the registry at " + registryUrl + " is unreachable (" + e + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException("interrupted while calling the registry at " + registryUrl, e);
        }
    }

    private static String abbreviate(String body) {
        return body.length() <= 200 ? body : body.substring(0, 200) + "...";
    }

    private static JsonNode expectOk(HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            Rejection r = rejection(response);
            throw new IllegalStateException("the registry refused " + response.request().method() + " "
                    + response.request().uri().getPath() + " with " + r.status() + ": " + r.title() + " " + r.causes());
        }
        try {
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("the registry answered something that is not JSON: " + response.body(), e);
        }
    }

    private static Rejection rejection(HttpResponse<String> response) {
        try {
            JsonNode body = JSON.readTree(response.body());
            List<String> causes = new ArrayList<>();
            body.path("causes").forEach(c -> causes.add(c.path("description").asText() + " at " + c.path("context").asText()));
            return new Rejection(response.statusCode(), body.path("title").asText(response.body()), causes);
        } catch (IOException e) {
            return new Rejection(response.statusCode(), response.body(), List.of());
        }
    }
}
