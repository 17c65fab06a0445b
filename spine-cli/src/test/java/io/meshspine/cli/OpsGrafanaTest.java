package io.meshspine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.meshspine.cli.OpsAssets.GRAFANA;
import static io.meshspine.cli.OpsAssets.REPO;
import static io.meshspine.cli.OpsAssets.json;
import static io.meshspine.cli.OpsAssets.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/** Grafana cannot run here, so its provisioning is checked as Grafana reads it: YAML providers and dashboard JSON. */
class OpsGrafanaTest {

    private static final Path DASHBOARD = GRAFANA.resolve("dashboards/meshspine.json");

    @Test
    void every_panel_queries_the_provisioned_prometheus_datasource() {
        String uid = provisionedDatasourceUid();
        List<String> wrong = new ArrayList<>();
        queryPanels().forEach(panel -> {
            String title = panel.path("title").asText();
            if (!uid.equals(panel.path("datasource").path("uid").asText())) {
                wrong.add(title + " panel datasource");
            }
            assertThat(panel.path("targets").size()).as("%s has queries", title).isPositive();
            panel.path("targets").forEach(t -> {
                if (!uid.equals(t.path("datasource").path("uid").asText())) {
                    wrong.add(title + " query " + t.path("refId").asText() + " datasource");
                }
                assertThat(t.path("expr").asText()).as("%s query %s", title, t.path("refId").asText()).isNotBlank();
            });
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void panel_queries_select_only_series_that_the_services_publish() {
        Set<String> recorded = OpsAssets.recordedNames();
        Map<String, Set<String>> unknown = new TreeMap<>();
        Set<String> used = new TreeSet<>();
        queryPanels().forEach(panel -> panel.path("targets").forEach(t -> {
            Set<String> names = OpsAssets.metricNames(t.path("expr").asText());
            assertThat(names).as("%s selects some series", panel.path("title").asText()).isNotEmpty();
            used.addAll(names);
            names.stream().filter(m -> !OpsAssets.known(m, recorded))
                    .forEach(m -> unknown.computeIfAbsent(panel.path("title").asText(), k -> new TreeSet<>()).add(m));
        }));

        assertThat(unknown).isEmpty();
        // The overview covers every stage and the DLQ, and shows the SLOs it is judged against.
        assertThat(used).contains("spine_gate_records_in_total", "spine_gate_records_dead_lettered_total",
                "spine_gate_end_to_end_latency_seconds_bucket", "spine_sink_freshness_seconds", "spine_sink_lag_records",
                "spine_sink_commits_total", "spine_cdc_changes_captured_total", "spine_ingest_file_rows_ingested_total", "spine_dlq_depth",
                "spine_dlq_oldest_age_seconds", "spine:freshness_slo_seconds", "spine:completeness_slo_ratio");
    }

    @Test
    void panel_ids_are_unique_and_panels_do_not_overlap() {
        Set<Integer> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        List<String> problems = new ArrayList<>();
        allPanels().forEach(panel -> {
            if (!ids.add(panel.path("id").asInt(-1))) {
                problems.add("duplicate id " + panel.path("id"));
            }
            JsonNode g = panel.path("gridPos");
            assertThat(g.path("x").asInt() + g.path("w").asInt()).as("%s fits the 24-column grid", panel.path("title")).isLessThanOrEqualTo(24);
            for (int x = g.path("x").asInt(); x < g.path("x").asInt() + g.path("w").asInt(); x++) {
                for (int y = g.path("y").asInt(); y < g.path("y").asInt() + g.path("h").asInt(); y++) {
                    if (!cells.add(x + "," + y)) {
                        problems.add(panel.path("title").asText() + " overlaps at " + x + "," + y);
                        return;
                    }
                }
            }
        });
        assertThat(problems).isEmpty();
        assertThat(ids).doesNotContain(-1);
    }

    @Test
    void the_dashboard_has_a_stable_uid_and_a_dead_letter_queue_section() {
        JsonNode dashboard = json(DASHBOARD);

        assertThat(dashboard.path("uid").asText()).isEqualTo("meshspine-overview");
        assertThat(allPanels()).anySatisfy(p -> {
            assertThat(p.path("type").asText()).isEqualTo("row");
            assertThat(p.path("title").asText()).isEqualTo("Dead-letter queue");
        });
    }

    @Test
    void compose_mounts_the_provisioning_and_the_dashboards_where_the_provider_looks() {
        JsonNode grafana = yaml(REPO.resolve("docker-compose.yml")).path("services").path("grafana");
        Map<String, String> mounts = new TreeMap<>();
        grafana.path("volumes").forEach(v -> {
            String[] parts = v.asText().split(":");
            mounts.put(parts[1], parts[0]);
        });
        JsonNode provider = yaml(GRAFANA.resolve("provisioning/dashboards/dashboards.yml")).path("providers").get(0);

        assertThat(mounts).containsEntry("/etc/grafana/provisioning", "./ops/grafana/provisioning");
        assertThat(mounts).containsEntry(provider.path("options").path("path").asText(), "./ops/grafana/dashboards");
        assertThat(provider.path("type").asText()).isEqualTo("file");
    }

    private static String provisionedDatasourceUid() {
        JsonNode ds = yaml(GRAFANA.resolve("provisioning/datasources/prometheus.yml")).path("datasources").get(0);
        assertThat(ds.path("type").asText()).isEqualTo("prometheus");
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
        return ds.path("uid").asText();
    }

    /** Every panel, including those nested in collapsed rows. */
    private static List<JsonNode> allPanels() {
        List<JsonNode> panels = new ArrayList<>();
        json(DASHBOARD).path("panels").forEach(p -> {
            panels.add(p);
            p.path("panels").forEach(panels::add);
        });
        assertThat(panels).isNotEmpty();
        return panels;
    }

    private static List<JsonNode> queryPanels() {
        return allPanels().stream().filter(p -> !"row".equals(p.path("type").asText())).toList();
    }
}
