package io.meshspine.core.contract.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML tree that remembers the line of every node. Jackson's own tree model drops locations,
 * and a contract error that does not say where it is costs the domain team a search.
 */
public sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

    /** 1-based line where the node starts. */
    int line();

    /** The name of the node's kind as a contract author would say it. */
    String describe();

    /** A mapping; {@code keyLines} gives the line of each key, which is where errors about it point. */
    record Mapping(int line, Map<String, YamlNode> entries, Map<String, Integer> keyLines) implements YamlNode {
        public Mapping {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
            keyLines = Map.copyOf(keyLines);
        }

        public YamlNode get(String key) {
            return entries.get(key);
        }

        public int lineOf(String key) {
            return keyLines.getOrDefault(key, line);
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record Sequence(int line, List<YamlNode> items) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /**
     * A scalar; {@code text} is null for YAML null. {@code quoted} tells a string written as
     * {@code "1"} from a number, which matters where a contract expects one or the other.
     */
    record Scalar(int line, String text, Kind kind) implements YamlNode {
        public enum Kind { STRING, INTEGER, DECIMAL, BOOLEAN, NULL }

        public boolean isNull() {
            return kind == Kind.NULL;
        }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "a string";
                case INTEGER, DECIMAL -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        }
    }
}
