package io.meshspine.ingest.typing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Types text rows and JSON objects into records of one Avro record schema, honouring logical types (decimal, date,
 * time, timestamp, uuid), enums, nullable unions and field defaults. Compiled once per schema; the result is a value
 * ({@link Typing}), never an exception. The inverse of {@link io.meshspine.core.avro.AvroJson}: what it writes, this
 * reads back.
 */
public final class RecordTyper {

    private final Schema schema;
    private final FieldTyper[] fields;
    private final Map<String, Integer> positions = new HashMap<>();
    /** What an absent field gets: its default, null when it is nullable without one; absent from the map if required. */
    private final Map<Integer, Object> absentValues = new HashMap<>();

    public RecordTyper(Schema schema, TextFormats formats) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("not a record schema: " + schema.getFullName());
        }
        this.schema = schema;
        List<Schema.Field> schemaFields = schema.getFields();
        this.fields = new FieldTyper[schemaFields.size()];
        for (Schema.Field f : schemaFields) {
            fields[f.pos()] = new FieldTyper(f.schema(), formats);
            positions.put(f.name(), f.pos());
            if (f.hasDefaultValue()) {
                absentValues.put(f.pos(), GenericData.get().getDefaultValue(f));
            } else if (fields[f.pos()].nullable()) {
                absentValues.put(f.pos(), null);
            }
        }
    }

    public Schema schema() {
        return schema;
    }

    /** Decimals keep every digit they were written with: a double would round 0.1 before the decimal check sees it. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A line of JSON text as a record; a parse error names the column, never the text (it may be PII). */
    public Typing fromJsonText(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            long column = e.getLocation() == null ? 0 : e.getLocation().getColumnNr();
            return new Typing.Untyped(null, 0, "not valid JSON" + (column > 0 ? " (at column " + column + ")" : ""));
        }
        return fromJson(node);
    }

    /** A JSON object as a record: every field the schema requires present and typed, no field the schema lacks. */
    public Typing fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return new Typing.Untyped(null, 0, "not a JSON object");
        }
        GenericData.Record record = new GenericData.Record(schema);
        boolean[] seen = new boolean[fields.length];
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Integer pos = positions.get(e.getKey());
            if (pos == null) {
                return new Typing.Untyped(e.getKey(), 0, "not a field of " + schema.getName());
            }
            try {
                record.put(pos, fields[pos].fromJson(e.getValue()));
            } catch (TypingFault f) {
                return new Typing.Untyped(e.getKey(), 0, f.getMessage());
            }
            seen[pos] = true;
        }
        return fillAbsent(record, seen, 0);
    }

    /**
     * How the columns of a CSV file map to fields: by header names, or in schema order without a header. Empty when
     * they fit; otherwise why the whole file cannot be read as this schema.
     */
    public Columns columns(Optional<List<String>> header) {
        List<String> names = header.orElseGet(() -> schema.getFields().stream().map(Schema.Field::name).toList());
        int[] fieldOfColumn = new int[names.size()];
        Set<String> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) {
            String name = names.get(c).strip();
            Integer pos = positions.get(name);
            if (pos == null) {
                problems.add("column " + (c + 1) + " (" + name + ") is not a field of " + schema.getName());
            } else if (!seen.add(name)) {
                problems.add("column " + (c + 1) + " (" + name + ") appears twice");
            } else if (!fields[pos].textual()) {
                problems.add("column " + (c + 1) + " (" + name + ") is a " + fields[pos].describe() + ", which CSV cannot hold");
            } else {
                fieldOfColumn[c] = pos;
            }
        }
        for (Schema.Field f : schema.getFields()) {
            if (!seen.contains(f.name()) && !absentValues.containsKey(f.pos())) {
                problems.add("required field " + f.name() + " has no column");
            }
        }
        return new Columns(fieldOfColumn, List.copyOf(problems));
    }

    /** The column-to-field mapping of one CSV file, and what is wrong with it (nothing, when it can be read). */
    public final class Columns {
        private final int[] fieldOfColumn;
        private final List<String> problems;

        private Columns(int[] fieldOfColumn, List<String> problems) {
            this.fieldOfColumn = fieldOfColumn;
            this.problems = problems;
        }

        public List<String> problems() {
            return problems;
        }

        public int count() {
            return fieldOfColumn.length;
        }

        /** One row's cells (the first {@code count} of {@code cells}) as a record. */
        public Typing type(String[] cells, int count) {
            if (count != fieldOfColumn.length) {
                return new Typing.Untyped(null, 0, "has " + count + " columns, the file has " + fieldOfColumn.length);
            }
            GenericData.Record record = new GenericData.Record(schema);
            boolean[] seen = fieldOfColumn.length == fields.length ? null : new boolean[fields.length];
            for (int c = 0; c < count; c++) {
                int pos = fieldOfColumn[c];
                try {
                    record.put(pos, fields[pos].fromText(cells[c]));
                } catch (TypingFault f) {
                    return new Typing.Untyped(schema.getFields().get(pos).name(), c + 1, f.getMessage());
                }
                if (seen != null) {
                    seen[pos] = true;
                }
            }
            return seen == null ? new Typing.Typed(record) : fillAbsent(record, seen, 0);
        }
    }

    private Typing fillAbsent(GenericData.Record record, boolean[] seen, int column) {
        for (int pos = 0; pos < fields.length; pos++) {
            if (!seen[pos]) {
                if (!absentValues.containsKey(pos)) {
                    return new Typing.Untyped(schema.getFields().get(pos).name(), column, "missing, and " + fields[pos].describe() + " is required");
                }
                record.put(pos, absentValues.get(pos));
            }
        }
        return new Typing.Typed(record);
    }
}
