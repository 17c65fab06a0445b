package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of the W3C WebDriver protocol to drive chromedriver: one session, find elements by CSS, click, type,
 * read text, accept a confirm dialog. Smaller than a Selenium dependency for the one browser test.
 */
final class WebDriverClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final URI driver;
    private final String session;

    WebDriverClient(URI driver, Path chromium, Path profile) throws IOException, InterruptedException {
        this.driver = driver;
        ObjectNode caps = JSON.createObjectNode();
        ObjectNode options = caps.putObject("capabilities").putObject("alwaysMatch").put("browserName", "chrome")
                .putObject("goog:chromeOptions").put("binary", chromium.toString());
        var args = options.putArray("args");
        for (String a : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile)) {
            args.add(a);
        }
        this.session = call("POST", "/session", caps).get("sessionId").asText();
    }

    void open(String url) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/url", JSON.createObjectNode().put("url", url));
    }

    List<String> findAll(String css) throws IOException, InterruptedException {
        JsonNode found = call("POST", "/session/" + session + "/elements", JSON.createObjectNode().put("using", "css selector").put("value", css));
        List<String> ids = new ArrayList<>();
        found.forEach(e -> ids.add(e.get(ELEMENT).asText()));
        return ids;
    }

    String find(String css) throws IOException, InterruptedException {
        List<String> all = findAll(css);
        if (all.isEmpty()) {
            throw new IllegalStateException("no element " + css);
        }
        return all.get(0);
    }

    void type(String element, String text) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/element/" + element + "/value", JSON.createObjectNode().put("text", text));
    }

    void click(String element) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/element/" + element + "/click", JSON.createObjectNode());
    }

    String text(String element) throws IOException, InterruptedException {
        return call("GET", "/session/" + session + "/element/" + element + "/text", null).asText();
    }

    /** An element's attribute (SVG ones too), or null when it has none. */
    String attribute(String element, String name) throws IOException, InterruptedException {
        JsonNode v = call("GET", "/session/" + session + "/element/" + element + "/attribute/" + name, null);
        return v == null || v.isNull() ? null : v.asText();
    }

    String textOf(String css) throws IOException, InterruptedException {
        return text(find(css));
    }

    void windowSize(int width, int height) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/window/rect", JSON.createObjectNode().put("width", width).put("height", height));
    }

    void execute(String script) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/execute/sync", JSON.createObjectNode().put("script", script).set("args", JSON.createArrayNode()));
    }

    boolean displayed(String element) throws IOException, InterruptedException {
        return call("GET", "/session/" + session + "/element/" + element + "/displayed", null).asBoolean();
    }

    /** A PNG of the page as it is now, kept as a test artefact. */
    void screenshot(java.nio.file.Path file) throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.write(file, java.util.Base64.getDecoder().decode(call("GET", "/session/" + session + "/screenshot", null).asText()));
    }

    String alertText() throws IOException, InterruptedException {
        return call("GET", "/session/" + session + "/alert/text", null).asText();
    }

    void acceptAlert() throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/alert/accept", JSON.createObjectNode());
    }

    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(driver.resolve(path)).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode value = JSON.readTree(response.body()).get("value");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("webdriver " + method + " " + path + ": " + response.statusCode() + " " + value);
        }
        return value;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        call("DELETE", "/session/" + session, null);
    }
}
