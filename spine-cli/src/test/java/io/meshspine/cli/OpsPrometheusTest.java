package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.meshspine.cli.OpsAssets.ALERT_RULES;
import static io.meshspine.cli.OpsAssets.PROMETHEUS;
import static io.meshspine.cli.OpsAssets.REPO;
import static io.meshspine.cli.OpsAssets.SLO_RULES;
import static io.meshspine.cli.OpsAssets.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Prometheus assets are checked by Prometheus's own promtool (Debian's prometheus package), and against the
 * contracts: a contract's SLO and the alert thresholds cannot drift apart unnoticed.
 */
class OpsPrometheusTest {

    private static final Pattern VECTOR = Pattern.compile("\\s*vector\\(\\s*([0-9.eE+-]+)\\s*\\)\\s*");

    @Test
    void promtool_accepts_the_scrape_config_and_the_rule_files_it_loads() throws Exception {
        Promtool result = promtool("check", "config", "ops/prometheus/prometheus.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS: 2 rule files found").contains("is valid prometheus config file syntax");
    }

    @Test
    void promtool_accepts_every_rule_file() throws Exception {
        Promtool result = promtool("check", "rules", "ops/prometheus/rules/spine-slos.yml", "ops/prometheus/rules/spine-alerts.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS: 8 rules found").contains("SUCCESS: " + alerts().size() + " rules found");
    }

    @Test
    void every_alert_passes_its_promtool_unit_tests() throws Exception {
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        testFiles().forEach(f -> args.add(REPO.relativize(f).toString()));
        Promtool result = promtool(args.toArray(String[]::new));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("FAILED");
        assertThat(result.output().split("SUCCESS", -1)).hasSize(testFiles().size() + 1);
    }

    @Test
    void every_alert_has_a_unit_test_that_fires_it_and_one_that_keeps_it_quiet() {
        Set<String> fired = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        testFiles().forEach(file -> yaml(file).path("tests").forEach(test -> test.path("alert_rule_test").forEach(check -> {
            String alert = check.path("alertname").asText();
            (check.path("exp_alerts").isEmpty() ? quiet : fired).add(alert);
        })));

        assertThat(fired).as("alerts some test fires").containsAll(alerts().keySet());
        assertThat(quiet).as("alerts some test keeps quiet").containsAll(alerts().keySet());
        assertThat(alerts().keySet()).as("every tested alert exists").containsAll(fired).containsAll(quiet);
    }

    @Test
    void the_freshness_thresholds_in_the_rules_are_the_contracts_freshness_slos() {
        Map<String, Double> expected = new TreeMap<>();
        for (Contract c : ContractCatalog.fromClasspath().contracts()) {
            c.slos().freshness().ifPresent(f -> expected.put(c.qualifiedName(), (double) f.toSeconds()));
        }

        assertThat(expected).as("the sample contracts declare freshness SLOs").isNotEmpty();
        assertThat(recordedPerContract("spine:freshness_slo_seconds")).isEqualTo(expected);
    }

    @Test
    void the_completeness_thresholds_in_the_rules_are_the_contracts_completeness_slos() {
        Map<String, Double> expected = new TreeMap<>();
        for (Contract c : ContractCatalog.fromClasspath().contracts()) {
            c.slos().completeness().ifPresent(share -> expected.put(c.qualifiedName(), share));
        }
        Map<String, Double> actual = recordedPerContract("spine:completeness_slo_ratio");

        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((contract, share) -> assertThat(actual.get(contract)).as(contract).isCloseTo(share, within(1e-9)));
    }

    @Test
    void alert_expressions_select_only_series_that_the_services_publish() {
        Set<String> recorded = OpsAssets.recordedNames();
        Map<String, Set<String>> unknown = new TreeMap<>();
        alerts().forEach((name, rule) -> {
            Set<String> names = OpsAssets.metricNames(rule.path("expr").asText());
            assertThat(names).as("%s selects some series", name).isNotEmpty();
            names.stream().filter(m -> !OpsAssets.known(m, recorded)).forEach(m -> unknown.computeIfAbsent(name, k -> new TreeSet<>()).add(m));
        });

        assertThat(unknown).isEmpty();
    }

    @Test
    void every_alert_has_a_severity_a_summary_and_a_runbook_section_in_ops_readme() throws IOException {
        String readme = Files.readString(REPO.resolve("ops/README.md"));
        alerts().forEach((name, rule) -> {
            assertThat(rule.path("labels").path("severity").asText()).as(name).isIn("critical", "warning");
            assertThat(rule.path("annotations").path("summary").asText()).as(name).isNotBlank();
            assertThat(rule.path("annotations").path("runbook").asText()).as(name).isEqualTo("ops/README.md#" + name.toLowerCase(Locale.ROOT));
            assertThat(readme).as("ops/README.md has a section for %s", name).contains("\n### " + name + "\n");
        });
    }

    @Test
    void metric_names_are_read_from_promql_without_functions_labels_or_keywords() {
        assertThat(OpsAssets.metricNames("max by (contract) (spine_sink_freshness_seconds{table=~\"silver/.+\"}) > on (contract) (0.8 * spine:freshness_slo_seconds)"))
                .containsExactly("spine:freshness_slo_seconds", "spine_sink_freshness_seconds");
        assertThat(OpsAssets.metricNames("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) and up == 0"))
                .containsExactly("up", "x_bucket");
        assertThat(OpsAssets.known("spine_gate_end_to_end_latency_seconds_bucket", Set.of())).isTrue();
        assertThat(OpsAssets.known("spine_gate_records_total", Set.of())).isFalse();
    }

    /** {@code record} series per {@code contract} label, from the {@code vector(<n>)} each one records. */
    private static Map<String, Double> recordedPerContract(String record) {
        Map<String, Double> values = new TreeMap<>();
        yaml(SLO_RULES).path("groups").forEach(g -> g.path("rules").forEach(r -> {
            if (record.equals(r.path("record").asText())) {
                Matcher m = VECTOR.matcher(r.path("expr").asText());
                assertThat(m.matches()).as("%s for %s is a constant vector(<n>)", record, r.path("labels").path("contract")).isTrue();
                Double previous = values.put(r.path("labels").path("contract").asText(), Double.parseDouble(m.group(1)));
                assertThat(previous).as("one %s per contract", record).isNull();
            }
        }));
        return values;
    }

    private static Map<String, JsonNode> alerts() {
        Map<String, JsonNode> alerts = new TreeMap<>();
        yaml(ALERT_RULES).path("groups").forEach(g -> g.path("rules").forEach(r -> {
            if (r.has("alert")) {
                assertThat(alerts.put(r.get("alert").asText(), r)).as("alert names are unique").isNull();
            }
        }));
        assertThat(alerts).isNotEmpty();
        return alerts;
    }

    private static List<Path> testFiles() {
        try (Stream<Path> files = Files.list(PROMETHEUS.resolve("tests"))) {
            return files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    record Promtool(int exitCode, String output) {
    }

    /** Runs promtool in the repository root; without it the test fails, unless SPINE_TEST_SKIP_PROMTOOL=true. */
    static Promtool promtool(String... args) throws Exception {
        String binary = findOnPath("promtool");
        if (binary == null) {
            Assumptions.assumeFalse("true".equals(System.getenv("SPINE_TEST_SKIP_PROMTOOL")),
                    "promtool not installed and SPINE_TEST_SKIP_PROMTOOL=true");
            throw new AssertionError("promtool is not on the PATH: apt-get install -y prometheus (see ops/NOTES-for-lead.md), "
                    + "or set SPINE_TEST_SKIP_PROMTOOL=true to skip these checks");
        }
        List<String> command = new ArrayList<>();
        command.add(binary);
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true).start();
        try {
            byte[] out = process.getInputStream().readAllBytes();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
            return new Promtool(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }

    private static String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
