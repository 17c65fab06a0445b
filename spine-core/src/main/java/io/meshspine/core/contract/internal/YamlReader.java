package io.meshspine.core.contract.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;

/** Reads one YAML document into a {@link YamlNode} tree, keeping line numbers. */
public final class YamlReader {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlReader() {
    }

    /** A YAML text that cannot be read: the line (1-based, 0 when unknown) and what is wrong. */
    public static final class YamlException extends Exception {
        private final int line;

        YamlException(int line, String message) {
            super(message);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    public static YamlNode read(String text) throws YamlException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new YamlException(1, "the file is empty");
            }
            return node(parser);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            throw new YamlException(where == null ? 0 : where.getLineNr(), "malformed YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new YamlException(0, "cannot read YAML: " + e.getMessage());
        }
    }

    private static YamlNode node(JsonParser parser) throws IOException, YamlException {
        int line = parser.currentTokenLocation().getLineNr();
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                var entries = new LinkedHashMap<String, YamlNode>();
                var keyLines = new HashMap<String, Integer>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    int keyLine = parser.currentTokenLocation().getLineNr();
                    if (entries.containsKey(key)) {
                        // SnakeYAML lets a later key silently win; in a contract that hides a mistake.
                        throw new YamlException(keyLine, "duplicate key '" + key + "'");
                    }
                    parser.nextToken();
                    entries.put(key, node(parser));
                    keyLines.put(key, keyLine);
                }
                return new YamlNode.Mapping(line, entries, keyLines);
            }
            case START_ARRAY -> {
                var items = new ArrayList<YamlNode>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(parser));
                }
                return new YamlNode.Sequence(line, items);
            }
            case VALUE_STRING -> {
                return new YamlNode.Scalar(line, parser.getText(), YamlNode.Scalar.Kind.STRING);
            }
            case VALUE_NUMBER_INT -> {
                return new YamlNode.Scalar(line, parser.getText(), YamlNode.Scalar.Kind.INTEGER);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new YamlNode.Scalar(line, parser.getText(), YamlNode.Scalar.Kind.DECIMAL);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new YamlNode.Scalar(line, parser.getText(), YamlNode.Scalar.Kind.BOOLEAN);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(line, null, YamlNode.Scalar.Kind.NULL);
            }
            default -> throw new YamlException(line, "unsupported YAML construct " + token);
        }
    }
}
