package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator-facing files under ops/ as the Ops tests read them, and the metric names the services publish: the
 * contract between the code's meters and the alert rules and dashboards.
 */
final class OpsAssets {

    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final Path PROMETHEUS = REPO.resolve("ops/prometheus");
    static final Path SLO_RULES = PROMETHEUS.resolve("rules/spine-slos.yml");
    static final Path ALERT_RULES = PROMETHEUS.resolve("rules/spine-alerts.yml");
    static final Path GRAFANA = REPO.resolve("ops/grafana");

    /** Meters as Prometheus renders them (counters with _total); histograms are listed apart, by base name. */
    static final Set<String> SERVICE_METRICS = Set.of(
            "spine_gate_records_in_total", "spine_gate_records_passed_total", "spine_gate_records_dead_lettered_total",
            "spine_gate_records_deduplicated_total", "spine_gate_records_warned_total", "spine_gate_rule_violations_total",
            "spine_gate_quality_score",
            "spine_sink_rows_total", "spine_sink_files_total", "spine_sink_bytes_total", "spine_sink_commits_total",
            "spine_sink_dead_lettered_total", "spine_sink_commit_failures_total", "spine_sink_lag_records",
            "spine_sink_freshness_seconds",
            "spine_cdc_capture_stopped", "spine_cdc_changes_captured_total", "spine_cdc_changes_dead_lettered_total",
            "spine_cdc_slot_lag_bytes", "spine_cdc_source_behind_seconds", "spine_cdc_last_event_age_seconds",
            "spine_cdc_engine_restarts_total",
            "spine_ingest_file_rows_ingested_total", "spine_ingest_file_rows_dead_lettered_total", "spine_ingest_file_files_done_total", "spine_ingest_file_files_skipped_total", "spine_ingest_file_files_quarantined_total",
            "spine_dlq_depth", "spine_dlq_oldest_age_seconds");
    static final Set<String> SERVICE_HISTOGRAMS = Set.of("spine_gate_end_to_end_latency_seconds", "spine_sink_commit_seconds");
    /** Prometheus's own series per target, and the Kafka client meters every service binds (SpineMetrics, KafkaStreamsOps). */
    static final Set<String> STANDARD = Set.of("up");
    static final Set<String> KAFKA_CLIENT_PREFIXES = Set.of("kafka_consumer_", "kafka_producer_", "kafka_stream_");

    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private OpsAssets() {
    }

    static JsonNode yaml(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names of series the recording rules write (e.g. {@code spine:freshness_slo_seconds}). */
    static Set<String> recordedNames() {
        Set<String> names = new TreeSet<>();
        yaml(SLO_RULES).path("groups").forEach(g -> g.path("rules").forEach(r -> {
            if (r.has("record")) {
                names.add(r.get("record").asText());
            }
        }));
        return names;
    }

    /** Whether a service publishes the series, Kafka clients do, Prometheus does, or our recording rules write it. */
    static boolean known(String metric, Set<String> recorded) {
        if (SERVICE_METRICS.contains(metric) || STANDARD.contains(metric) || recorded.contains(metric)) {
            return true;
        }
        for (String h : SERVICE_HISTOGRAMS) {
            if (metric.equals(h + "_bucket") || metric.equals(h + "_count") || metric.equals(h + "_sum") || metric.equals(h + "_max")) {
                return true;
            }
        }
        return KAFKA_CLIENT_PREFIXES.stream().anyMatch(metric::startsWith);
    }

    /**
     * The metric names a PromQL expression selects: what remains once strings, label matchers, ranges and grouping
     * clauses are removed, minus function names (followed by a parenthesis) and operators.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String rest = s.substring(m.end()).stripLeading();
            boolean isFunction = rest.startsWith("(");
            boolean isNumberPart = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
            if (!isFunction && !isNumberPart && !PROMQL_WORDS.contains(m.group().toLowerCase())) {
                names.add(m.group());
            }
        }
        return names;
    }
}
