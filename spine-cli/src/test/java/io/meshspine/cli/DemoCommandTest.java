package io.meshspine.cli;

import io.meshspine.testkit.ChildJvm;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./spine demo} as a newcomer runs it: up, says where things listen and that it is ready, and stops clean; and
 * (once) its lineage: the run history and the events of every lane ({@link DemoLineage}).
 */
class DemoCommandTest {

    private Process demo;

    @org.junit.jupiter.api.io.TempDir
    Path work;

    @AfterEach
    void killWhatIsLeft() {
        if (demo != null) {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"INT", "TERM"})
    void the_demo_brings_up_a_working_broker_and_registry_and_exits_0_leaving_no_child_process(String signal)
            throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        demo = startDemo(lines, work);

        await("the demo says ready").atMost(Duration.ofSeconds(90))
                .until(() -> lines.stream().anyMatch(l -> l.contains("ready")) || !demo.isAlive());
        assertThat(demo.isAlive()).as("demo still running; output:\n%s", String.join("\n", lines)).isTrue();
        String bootstrap = valueAfter(lines, "kafka");
        String registry = valueAfter(lines, "registry");
        assertThat(bootstrap).startsWith("127.0.0.1:");
        assertThat(registry).startsWith("http://127.0.0.1:").endsWith("/apis/registry/v3");

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
        HttpResponse<Void> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(registry.replace("/apis/registry/v3", "/health/ready"))).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(ready.statusCode()).isEqualTo(200);

        // The pipeline runs: the synthetic source's good events pass the gate, its bad ones are dead-lettered.
        await("the gate passes and dead-letters demo traffic").atMost(Duration.ofSeconds(60)).until(() -> lines.stream()
                .filter(l -> l.contains("counts")).anyMatch(l -> number(l, "passed") > 0 && number(l, "dead-lettered") > 0));
        String ops = valueAfter(lines, "ops").split("\\s+")[0].replace("/metrics", "");
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ops + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("spine_gate_records_passed_total").contains("spine_gate_records_dead_lettered_total");
        // /health names every stage, each CDC capture on its own, and all are up once the captures have snapshotted.
        await("every stage is up").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ops + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(healthChecks(health.body())).as(health.body())
                    .containsOnlyKeys("gate", "cdc.crm.customers.v1", "cdc.accounts.services.v1", "file-lane", "dlq-api", "sink");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        });
        assertTheBadDataPathLogsStructuredLinesWithoutPii(lines);
        boolean lineage = signal.equals("TERM"); // once is enough: the run history on the demo's traffic, every lane
        if (lineage) {
            DemoLineage.dropQuarantinedFile(work);
        }

        // Every lane lands in the lake, and `./spine status` shows every product against its SLOs.
        await("the sink commits Silver rows").atMost(Duration.ofSeconds(60)).until(() -> lines.stream()
                .anyMatch(l -> l.startsWith("  lake ") && java.util.regex.Pattern.compile("silver/payments/transactions_v1 [1-9]").matcher(l).find()));
        java.io.ByteArrayOutputStream status = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(status, true, StandardCharsets.UTF_8));
        try {
            Spine.commandLine().execute("status", "--metrics", ops + "/metrics", "--lake", work.resolve("lake").toString(), "--interval", "1", "--no-color");
        } finally {
            System.setOut(stdout);
        }
        assertThat(status.toString(StandardCharsets.UTF_8)).contains("payments.transactions.v1", "crm.customers.v1",
                "lending.loan_applications.v1", "accounts.services.v1", "freshness (SLO)", "products breach an SLO");
        if (lineage) {
            DemoLineage.assertTheRunHistory(work, bootstrap);
        }

        List<ProcessHandle> children = demo.descendants().toList();
        assertThat(children).as("the registry runs as a child process").isNotEmpty();
        new ProcessBuilder("kill", "-" + signal, Long.toString(demo.pid())).start().waitFor();

        assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo exits after SIG%s", signal).isTrue();
        assertThat(demo.exitValue()).as("exit code; output:\n%s", String.join("\n", lines)).isZero();
        assertThat(lines).anyMatch(l -> l.contains("stopped"));
        if (lineage) {
            DemoLineage.assertTheEventsFile(work);
        }
        await("no child process left").atMost(Duration.ofSeconds(10))
                .until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    /**
     * The bad-data path logs one JSON line per dead letter saying who and why (correlation id, contract, topic, rule
     * ids), and nothing of the payload: no customer id, no account number, anywhere in the output; nor the hash key.
     */
    private static void assertTheBadDataPathLogsStructuredLinesWithoutPii(List<String> lines) throws Exception {
        await("dead letters are logged").atMost(Duration.ofSeconds(30))
                .until(() -> lines.stream().anyMatch(l -> l.contains("record dead-lettered") && l.contains("RULE")));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String deadLettered = lines.stream().filter(l -> l.startsWith("{") && l.contains("record dead-lettered")).findFirst().orElseThrow();
        com.fasterxml.jackson.databind.JsonNode event = json.readTree(deadLettered);
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        String fields = event.path("kvpList").toString();
        assertThat(fields).contains("correlation_id").contains("contract").contains("topic").contains("failure_type");
        java.util.regex.Pattern pii = java.util.regex.Pattern.compile("\\bC\\d{6}\\b|062-\\d{3} \\d{8}");
        assertThat(lines).noneMatch(l -> pii.matcher(l).find()).noneMatch(l -> l.contains("meshspine-demo-hash-key"));
    }

    /**
     * Runs the launcher's main class in its own JVM. perl resets SIGINT to its default first: a JVM started with
     * SIGINT ignored (as background jobs are) never installs a handler for it, and Ctrl-C would not reach it.
     */
    private static Process startDemo(List<String> lines, Path work) throws Exception {
        return startDemo(lines, work, Map.of());
    }

    static Process startDemo(List<String> lines, Path work, Map<String, String> env, String... moreArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of("perl", "-e", "$SIG{INT}='DEFAULT'; $SIG{TERM}='DEFAULT'; exec @ARGV or die $!"));
        List<String> args = new ArrayList<>(List.of("demo", "--kafka-port", "0",
                "--registry-port", "0", "--ops-port", "0", "--dlq-port", "0", "--rate", "100",
                "--lake", work.resolve("lake").toString(), "--landing", work.resolve("landing").toString()));
        args.addAll(List.of(moreArgs));
        command.addAll(ChildJvm.command(work.resolve("jvm-tmp"), List.of("-Xmx512m"), Spine.class.getName(), args.toArray(String[]::new)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("SPINE_LOG_FORMAT", "json");
        builder.environment().put("SPINE_LOG_LEVEL", "INFO");
        Process process = builder.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (Exception ignored) {
                // The process ended.
            }
        }, "demo-output");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    /** {@code /health}'s checks by name. */
    static Map<String, com.fasterxml.jackson.databind.JsonNode> healthChecks(String body) throws Exception {
        Map<String, com.fasterxml.jackson.databind.JsonNode> checks = new java.util.LinkedHashMap<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("checks").forEach(c -> checks.put(c.path("name").asText(), c));
        return checks;
    }

    private static long number(String line, String label) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(label + " (\\d+)").matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static String valueAfter(List<String> lines, String label) {
        return lines.stream().map(String::trim).filter(l -> l.startsWith(label + " "))
                .map(l -> l.substring(label.length()).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + label + "' line in:\n" + String.join("\n", lines)));
    }
}
