package io.meshspine.core.lineage;

import io.meshspine.core.contract.Team;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The facets the spine attaches, each with the spec's {@code _schemaURL} for the facet version it follows. Standard
 * facets first; the spine's own (prefixed {@code meshspine_}, as the spec asks of custom facets) carry what no standard
 * facet holds: counts per quality rule, the Kafka offsets a commit covers, the run's kind and counts.
 */
public final class Facets {

    /** Who wrote the facets and events: the spine, at this code's home. */
    public static final String PRODUCER = "https://github.com/meshspine/meshspine";
    private static final String SPEC = "https://openlineage.io/spec/facets/";
    /** Where the spine's own facets are described (docs/lineage.md). */
    private static final String OWN = "https://github.com/meshspine/meshspine/blob/main/docs/lineage.md#";

    public static final String SCHEMA = "schema";
    public static final String OWNERSHIP = "ownership";
    public static final String VERSION = "version";
    public static final String OUTPUT_STATISTICS = "outputStatistics";
    public static final String DATA_QUALITY_METRICS = "dataQualityMetrics";
    public static final String DATA_QUALITY_ASSERTIONS = "dataQualityAssertions";
    public static final String ERROR_MESSAGE = "errorMessage";
    public static final String JOB_TYPE = "jobType";
    public static final String PARENT = "parent";
    public static final String RULE_COUNTS = "meshspine_ruleCounts";
    public static final String KAFKA_OFFSETS = "meshspine_kafkaOffsets";
    public static final String RUN_SUMMARY = "meshspine_run";

    private Facets() {
    }

    private static Facet standard(String file, Map<String, Object> fields) {
        return new Facet(PRODUCER, SPEC + file + "#/$defs/" + file.substring(file.indexOf('/') + 1, file.length() - ".json".length()), fields);
    }

    /** SchemaDatasetFacet: the contract's Avro fields, with the logical type where there is one. */
    public static Facet schema(Schema record) {
        List<Map<String, Object>> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            Map<String, Object> field = new LinkedHashMap<>();
            field.put("name", f.name());
            field.put("type", typeName(f.schema()));
            if (f.doc() != null && !f.doc().isBlank()) {
                field.put("description", f.doc());
            }
            fields.add(field);
        }
        return standard("1-1-1/SchemaDatasetFacet.json", Map.of("fields", fields));
    }

    private static String typeName(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            List<Schema> branches = s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
            return branches.size() == 1 ? typeName(branches.get(0)) : "union";
        }
        LogicalType logical = s.getLogicalType();
        return logical != null ? logical.getName() : s.getType().getName();
    }

    /** OwnershipDatasetFacet: the contract's team and its owner. */
    public static Facet ownership(Team team) {
        List<Map<String, Object>> owners = new ArrayList<>();
        owners.add(Map.of("name", "team:" + team.name(), "type", "TEAM"));
        if (team.owner() != null && !team.owner().isBlank()) {
            owners.add(Map.of("name", "user:" + team.owner(), "type", "OWNER"));
        }
        return standard("1-0-1/OwnershipDatasetFacet.json", Map.of("owners", owners));
    }

    /** DatasetVersionDatasetFacet: a Delta table's version, a Kafka topic's end offsets. */
    public static Facet version(String datasetVersion) {
        return standard("1-0-1/DatasetVersionDatasetFacet.json", Map.of("datasetVersion", datasetVersion));
    }

    /** OutputStatisticsOutputDatasetFacet: what a run wrote. */
    public static Facet outputStatistics(long rows, long bytes, long files) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rowCount", rows);
        m.put("size", bytes);
        m.put("fileCount", files);
        return standard("1-0-2/OutputStatisticsOutputDatasetFacet.json", m);
    }

    /** DataQualityMetricsInputDatasetFacet: the rows the gate evaluated (no column metrics: the gate keeps none). */
    public static Facet dataQualityMetrics(long rowsEvaluated) {
        return standard("1-0-2/DataQualityMetricsInputDatasetFacet.json", Map.of("rowCount", rowsEvaluated, "columnMetrics", Map.of()));
    }

    /** DataQualityAssertionsDatasetFacet: each rule, successful when no record of the interval broke it. */
    public static Facet dataQualityAssertions(Map<String, Long> failuresByRule) {
        List<Map<String, Object>> assertions = new ArrayList<>();
        failuresByRule.forEach((rule, failed) -> assertions.add(Map.of("assertion", rule, "success", failed == 0)));
        return standard("1-0-1/DataQualityAssertionsDatasetFacet.json", Map.of("assertions", assertions));
    }

    /** ErrorMessageRunFacet: why a run failed (a reason, never a payload). */
    public static Facet errorMessage(String message) {
        return standard("1-0-1/ErrorMessageRunFacet.json", Map.of("message", message, "programmingLanguage", "Java"));
    }

    /** JobTypeJobFacet: BATCH (a file, a snapshot, a commit, a replay) or STREAMING (gate and CDC intervals). */
    public static Facet jobType(boolean streaming, String jobType) {
        return standard("2-0-2/JobTypeJobFacet.json",
                Map.of("processingType", streaming ? "STREAMING" : "BATCH", "integration", "MESHSPINE", "jobType", jobType));
    }

    /** ParentRunFacet: the run this one is part of (a gate interval of the gate's lifetime run for its contract). */
    public static Facet parent(java.util.UUID runId, String namespace, String job) {
        return standard("1-0-1/ParentRunFacet.json", Map.of("run", Map.of("runId", runId.toString()), "job", Map.of("namespace", namespace, "name", job)));
    }

    /** The gate's counts for one contract and interval: records in, passed, dead-lettered, and failures per rule. */
    public static Facet ruleCounts(long in, long passed, long deadLettered, Map<String, Long> failuresByRule) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recordsIn", in);
        m.put("passed", passed);
        m.put("deadLettered", deadLettered);
        m.put("failuresByRule", new LinkedHashMap<>(failuresByRule));
        return new Facet(PRODUCER, OWN + "meshspine_rulecounts", m);
    }

    /** The Kafka offsets a run read, per partition: first and last offset (inclusive). */
    public static Facet kafkaOffsets(Map<Integer, long[]> fromToByPartition) {
        List<Map<String, Object>> parts = new ArrayList<>();
        new java.util.TreeMap<>(fromToByPartition).forEach((p, range) ->
                parts.add(Map.of("partition", p, "fromOffset", range[0], "toOffset", range[1])));
        return new Facet(PRODUCER, OWN + "meshspine_kafkaoffsets", Map.of("partitions", parts));
    }

    /** The run's kind, start and counts, as the run history keeps them: a terminal event alone makes its row. */
    public static Facet runSummary(RunSummary summary, java.time.OffsetDateTime startedAt) {
        return runSummary(summary, startedAt, SloState.UNKNOWN);
    }

    /** The same with the run's {@link SloState} as judged against its contract's SLOs. */
    public static Facet runSummary(RunSummary summary, java.time.OffsetDateTime startedAt, SloState slo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", summary.kind().configValue());
        m.put("startedAt", startedAt.format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("rowsIn", summary.rowsIn());
        m.put("rowsOut", summary.rowsOut());
        m.put("deadLettered", summary.deadLettered());
        m.put("sloState", slo.name());
        return new Facet(PRODUCER, OWN + "meshspine_run", m);
    }
}
