package io.meshspine.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Checks run events against the OpenLineage 2-0-x core spec's required fields and formats, independently of the
 * spine's own model (it reads the JSON, not our records): RunEvent {@code eventTime} (RFC 3339 date-time with offset),
 * {@code producer} and {@code schemaURL} (absolute URIs), {@code eventType} in the spec's enum, {@code run.runId} a
 * UUID, {@code job.namespace}/{@code name} non-empty strings, every input/output dataset's {@code namespace}/{@code name},
 * and every facet (run, job, dataset, input, output) an object with {@code _producer} and {@code _schemaURL} URIs.
 * Plus the naming spec for the namespaces the spine uses: {@code kafka://host:port}, {@code file}, {@code s3://bucket},
 * {@code postgres://host:port} (name {@code database.schema.table}), {@code mysql://host:port} (name {@code database.table}).
 */
public final class LineageSpec {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> EVENT_TYPES = Set.of("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER");
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern KAFKA_NAMESPACE = Pattern.compile("kafka://[^/:]+:\\d+");
    private static final Pattern STORAGE_NAMESPACE = Pattern.compile("file|s3://[^/]+|gs://[^/]+|abfss://[^/]+");
    private static final Pattern POSTGRES_NAMESPACE = Pattern.compile("postgres://[^/:]+:\\d+");
    private static final Pattern MYSQL_NAMESPACE = Pattern.compile("mysql://[^/:]+:\\d+");
    private static final Pattern POSTGRES_NAME = Pattern.compile("[^.]+\\.[^.]+\\.[^.]+");
    private static final Pattern MYSQL_NAME = Pattern.compile("[^.]+\\.[^.]+");

    private LineageSpec() {
    }

    /** Every line of a JSON-lines file, parsed. */
    public static List<JsonNode> readLines(Path file) {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(MAPPER.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What is wrong with the event by the spec; empty when nothing is. */
    public static List<String> violations(JsonNode event) {
        List<String> v = new ArrayList<>();
        if (!event.isObject()) {
            return List.of("event is not a JSON object");
        }
        text(event, "eventTime", v).ifPresent(t -> {
            try {
                OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            } catch (DateTimeParseException e) {
                v.add("eventTime is not an ISO-8601 date-time with offset: " + t);
            }
        });
        text(event, "producer", v).ifPresent(t -> uri("producer", t, v));
        text(event, "schemaURL", v).ifPresent(t -> {
            uri("schemaURL", t, v);
            if (!t.startsWith("https://openlineage.io/spec/") || !t.contains("OpenLineage.json")) {
                v.add("schemaURL does not point at the OpenLineage core spec: " + t);
            }
        });
        if (event.has("eventType") && !EVENT_TYPES.contains(event.get("eventType").asText())) {
            v.add("eventType not in the spec's enum: " + event.get("eventType"));
        }
        JsonNode run = object(event, "run", v);
        if (run != null) {
            text(run, "runId", v).ifPresent(id -> {
                if (!UUID_TEXT.matcher(id).matches()) {
                    v.add("run.runId is not a UUID: " + id);
                } else {
                    UUID.fromString(id);
                }
            });
            facets(run, "facets", "run", v);
        }
        JsonNode job = object(event, "job", v);
        if (job != null) {
            text(job, "namespace", v);
            text(job, "name", v);
            facets(job, "facets", "job", v);
        }
        datasets(event, "inputs", "inputFacets", v);
        datasets(event, "outputs", "outputFacets", v);
        return v;
    }

    private static void datasets(JsonNode event, String field, String ownFacets, List<String> v) {
        if (!event.has(field)) {
            return;
        }
        JsonNode list = event.get(field);
        if (!list.isArray()) {
            v.add(field + " is not an array");
            return;
        }
        for (JsonNode ds : list) {
            String where = field + "[" + ds.path("name").asText() + "]";
            text(ds, "namespace", v).ifPresent(ns -> {
                boolean postgres = POSTGRES_NAMESPACE.matcher(ns).matches();
                boolean mysql = MYSQL_NAMESPACE.matcher(ns).matches();
                if (!KAFKA_NAMESPACE.matcher(ns).matches() && !STORAGE_NAMESPACE.matcher(ns).matches() && !postgres && !mysql) {
                    v.add(where + ".namespace does not follow the naming spec: " + ns);
                }
                if (postgres && !POSTGRES_NAME.matcher(ds.path("name").asText()).matches()) {
                    v.add(where + ".name of a PostgreSQL table is not database.schema.table");
                }
                if (mysql && !MYSQL_NAME.matcher(ds.path("name").asText()).matches()) {
                    v.add(where + ".name of a MySQL table is not database.table");
                }
                if (ns.equals("file") && !ds.path("name").asText().startsWith("/")) {
                    v.add(where + ".name of a file dataset is not an absolute path");
                }
            });
            text(ds, "name", v);
            facets(ds, "facets", where, v);
            facets(ds, ownFacets, where, v);
        }
    }

    private static void facets(JsonNode parent, String field, String where, List<String> v) {
        if (!parent.has(field)) {
            return;
        }
        JsonNode facets = parent.get(field);
        if (!facets.isObject()) {
            v.add(where + "." + field + " is not an object");
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = facets.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = where + "." + field + "." + f.getKey();
            if (!f.getValue().isObject()) {
                v.add(name + " is not an object");
                continue;
            }
            text(f.getValue(), "_producer", v).ifPresent(t -> uri(name + "._producer", t, v));
            text(f.getValue(), "_schemaURL", v).ifPresent(t -> uri(name + "._schemaURL", t, v));
        }
    }

    private static JsonNode object(JsonNode parent, String field, List<String> v) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            v.add(field + " missing or not an object");
            return null;
        }
        return n;
    }

    private static java.util.Optional<String> text(JsonNode parent, String field, List<String> v) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            v.add(field + " missing or not a non-empty string");
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(n.asText());
    }

    private static void uri(String field, String text, List<String> v) {
        try {
            if (!new URI(text).isAbsolute()) {
                v.add(field + " is not an absolute URI: " + text);
            }
        } catch (URISyntaxException e) {
            v.add(field + " is not a URI: " + text);
        }
    }
}
