package io.meshspine.sink.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A data file's Delta statistics: the row count, and min / max / null count of the stats columns (the business key),
 * which let an upsert skip every file its keys cannot be in. Rendered as the JSON string Delta's AddFile carries.
 */
final class FileStats {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Delta's own stats truncate strings; a longer key is left without min/max rather than truncated wrongly. */
    private static final int MAX_STRING_STAT = 32;

    private final List<Column> columns = new ArrayList<>();
    private long rows;

    FileStats(Schema rowSchema, List<String> statsColumns) {
        for (String name : statsColumns) {
            Schema.Field f = rowSchema.getField(name);
            Schema s = DeltaSchemas.nonNull(name, f.schema());
            if (s.getLogicalType() == null && (s.getType() == Schema.Type.STRING || s.getType() == Schema.Type.INT
                    || s.getType() == Schema.Type.LONG)) {
                columns.add(new Column(name, f.pos()));
            }
        }
    }

    void add(GenericRecord row) {
        rows++;
        for (Column c : columns) {
            c.add(row.get(c.pos));
        }
    }

    long rows() {
        return rows;
    }

    /**
     * The stats as delta-standalone's AddFile wants them: JSON text inside a JSON string. Standalone writes the field
     * raw, so unquoted stats become an object in the log that its own reader then refuses (delta-io/connectors#380).
     */
    String toLogValue() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("numRecords", rows);
        if (!columns.isEmpty()) {
            ObjectNode min = root.putObject("minValues");
            ObjectNode max = root.putObject("maxValues");
            ObjectNode nulls = root.putObject("nullCount");
            for (Column c : columns) {
                nulls.put(c.name, c.nulls);
                if (c.min != null && c.usable) {
                    put(min, c.name, c.min);
                    put(max, c.name, c.max);
                }
            }
        }
        return root.toString();
    }

    private static void put(ObjectNode node, String name, Comparable<?> value) {
        if (value instanceof String s) {
            node.put(name, s);
        } else {
            node.put(name, ((Number) value).longValue());
        }
    }

    /** The stats of an AddFile's JSON: row count, and min / max of one column when present. */
    record Parsed(long numRecords, Optional<Object> min, Optional<Object> max) {
        static Parsed of(String stats, String column) {
            if (stats == null || stats.isBlank()) {
                return new Parsed(-1, Optional.empty(), Optional.empty());
            }
            try {
                JsonNode root = JSON.readTree(stats);
                if (root.isTextual()) {
                    root = JSON.readTree(root.asText());
                }
                long n = root.path("numRecords").asLong(-1);
                if (column == null) {
                    return new Parsed(n, Optional.empty(), Optional.empty());
                }
                return new Parsed(n, value(root.path("minValues").path(column)), value(root.path("maxValues").path(column)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Optional<Object> value(JsonNode n) {
            if (n.isMissingNode() || n.isNull()) {
                return Optional.empty();
            }
            return Optional.of(n.isNumber() ? (Object) n.asLong() : n.asText());
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final class Column {
        final String name;
        final int pos;
        Comparable min;
        Comparable max;
        long nulls;
        boolean usable = true;

        Column(String name, int pos) {
            this.name = name;
            this.pos = pos;
        }

        void add(Object v) {
            if (v == null) {
                nulls++;
                return;
            }
            Comparable c = v instanceof CharSequence cs ? cs.toString() : (Comparable) ((Number) v).longValue();
            if (c instanceof String s && s.length() > MAX_STRING_STAT) {
                usable = false;
            }
            if (min == null || c.compareTo(min) < 0) {
                min = c;
            }
            if (max == null || c.compareTo(max) > 0) {
                max = c;
            }
        }
    }
}
