package io.meshspine.core.contract.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/** Parses {@code .avsc} text with Avro and finds the line of what Avro complains about. */
public final class AvroSchemaReader {

    private AvroSchemaReader() {
    }

    /** An .avsc that Avro refuses, with the best line we could find (0 if none). */
    public static final class AvroSchemaException extends Exception {
        private final int line;

        AvroSchemaException(int line, String message) {
            super(message);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    /** Parses into {@code parser}, so types named in earlier (imported) files resolve. */
    public static Schema parse(Schema.Parser parser, String text) throws AvroSchemaException {
        try {
            return parser.parse(text);
        } catch (org.apache.avro.AvroRuntimeException e) { // SchemaParseException and friends
            throw new AvroSchemaException(lineOf(e, text), "invalid Avro schema: " + message(e));
        }
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof JsonProcessingException j) {
                return "malformed JSON: " + j.getOriginalMessage();
            }
            t = t.getCause();
        }
        return e.getMessage();
    }

    private static final Pattern QUOTED = Pattern.compile(
            "\"([^\"]+)\"|field '?([A-Za-z_][A-Za-z0-9_]*)'?|Undefined (?:schema|name): ([A-Za-z_][A-Za-z0-9_.]*)");

    /**
     * JSON syntax errors carry a location. Avro's semantic errors do not, so we look for the first
     * line that quotes a name the message mentions (an undefined type, a field with a bad default).
     */
    static int lineOf(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException j && j.getLocation() != null) {
                return j.getLocation().getLineNr();
            }
        }
        String msg = String.valueOf(e.getMessage());
        List<String> candidates = new ArrayList<>();
        Matcher m = QUOTED.matcher(msg);
        while (m.find()) {
            for (int g = 1; g <= 3; g++) {
                if (m.group(g) != null) {
                    candidates.add(m.group(g));
                    // Avro qualifies an undefined name with the enclosing namespace; the file has it bare
                    candidates.add(m.group(g).substring(m.group(g).lastIndexOf('.') + 1));
                }
            }
        }
        for (String candidate : candidates) {
            int line = lineQuoting(text, candidate);
            if (line > 0) {
                return line;
            }
        }
        return 0;
    }

    /** The first line containing {@code "name"}, 1-based; 0 if none. */
    public static int lineQuoting(String text, String name) {
        String needle = "\"" + name + "\"";
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * Avro silently drops a logical type it cannot honour (a decimal without precision, a
     * timestamp on a string), leaving a plain bytes or string field. A contract must not.
     */
    public record FieldIssue(String field, String message) {
    }

    public static List<FieldIssue> invalidLogicalTypes(Schema schema) {
        List<FieldIssue> found = new ArrayList<>();
        walk(schema, schema.getName(), found, new java.util.HashSet<>());
        return found;
    }

    private static void walk(Schema s, String path, List<FieldIssue> found, java.util.Set<String> seen) {
        String logical = s.getProp("logicalType");
        if (logical != null && s.getLogicalType() == null) {
            found.add(new FieldIssue(path, "logical type '" + logical + "' is not valid on " + s.getType().getName()
                    + " here (Avro would silently ignore it)"));
        }
        switch (s.getType()) {
            case RECORD -> {
                if (!seen.add(s.getFullName())) {
                    return;
                }
                for (Schema.Field f : s.getFields()) {
                    walk(f.schema(), f.name(), found, seen);
                }
            }
            case ARRAY -> walk(s.getElementType(), path, found, seen);
            case MAP -> walk(s.getValueType(), path, found, seen);
            case UNION -> s.getTypes().forEach(t -> walk(t, path, found, seen));
            default -> { }
        }
    }
}
