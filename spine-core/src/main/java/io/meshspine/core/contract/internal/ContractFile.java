package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.Problem;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Scalar;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One contract file being read: where it is, every problem found in it so far, and typed access to
 * its YAML that reports a problem (naming the file, line and key) instead of throwing. The sections
 * share one of these so a file's problems come out in the order its sections are read.
 */
final class ContractFile {

    private final Path path;
    private final String file;
    private final Function<Path, String> display;
    private final List<Problem> problems = new ArrayList<>();

    ContractFile(Path path, Function<Path, String> display) {
        this.path = path;
        this.file = display.apply(path);
        this.display = display;
    }

    /** The contract file itself. */
    Path path() {
        return path;
    }

    /** The contract file as problems name it. */
    String name() {
        return file;
    }

    /** Any file (a schema beside the contract) as problems name it. */
    String display(Path other) {
        return display.apply(other);
    }

    /** A file next to the contract, such as its Avro schema. */
    Path sibling(String name) {
        return path.resolveSibling(name);
    }

    List<Problem> problems() {
        return List.copyOf(problems);
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    void problem(int line, String field, String message) {
        problems.add(new Problem(file, line, field, message));
    }

    /** A problem in another file that belongs to this contract (its schema). */
    void problemIn(Path other, int line, String field, String message) {
        problems.add(new Problem(display.apply(other), line, field, message));
    }

    // --- typed access with problems ---------------------------------------------------

    static String at(String where, String key) {
        return where.isEmpty() ? key : where + "." + key;
    }

    void unknownKeys(Mapping m, String where, Set<String> allowed) {
        for (String key : m.entries().keySet()) {
            if (!allowed.contains(key)) {
                problem(m.lineOf(key), null, "unknown key '" + at(where, key) + "'; expected one of "
                        + allowed.stream().sorted().collect(Collectors.joining(", ")));
            }
        }
    }

    Mapping mapping(YamlNode node, String where) {
        if (node instanceof Mapping m) {
            return m;
        }
        problem(node.line(), null, where + ": expected a mapping, found " + node.describe());
        return null;
    }

    Mapping requiredMapping(Mapping parent, String key, String where) {
        YamlNode node = parent.get(key);
        if (node == null) {
            problem(parent.line(), null, at(where, key) + ": missing");
            return null;
        }
        return mapping(node, at(where, key));
    }

    Sequence sequence(YamlNode node, String where) {
        if (node instanceof Sequence s) {
            return s;
        }
        problem(node.line(), null, where + ": expected a list, found " + node.describe());
        return null;
    }

    String scalarText(YamlNode node, String where) {
        if (node instanceof Scalar s && !s.isNull()) {
            return s.text();
        }
        problem(node.line(), null, where + ": expected a value, found " + node.describe());
        return null;
    }

    String requiredString(Mapping m, String key, String where) {
        YamlNode node = m.get(key);
        if (node == null) {
            problem(m.line(), null, at(where, key) + ": missing");
            return null;
        }
        String text = scalarText(node, at(where, key));
        if (text != null && text.isBlank()) {
            problem(node.line(), null, at(where, key) + ": must not be blank");
            return null;
        }
        return text;
    }

    Optional<String> optionalString(Mapping m, String key, String where) {
        YamlNode node = m.get(key);
        return node == null ? Optional.empty() : Optional.ofNullable(scalarText(node, at(where, key)));
    }

    Boolean bool(Mapping m, String key, String where, Boolean fallback) {
        YamlNode node = m.get(key);
        if (node == null) {
            return fallback;
        }
        if (node instanceof Scalar s && s.kind() == Scalar.Kind.BOOLEAN) {
            return Boolean.parseBoolean(s.text());
        }
        problem(node.line(), null, at(where, key) + ": expected true or false, found " + node.describe());
        return null;
    }

    /** Empty when absent; null (with a problem) when present but not a number. */
    Optional<BigDecimal> number(Mapping m, String key, String where, String field) {
        YamlNode node = m.get(key);
        if (node == null) {
            return Optional.empty();
        }
        if (node instanceof Scalar s && !s.isNull()) {
            try {
                return Optional.of(new BigDecimal(s.text().trim().replace("_", "")));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        problem(node.line(), field, at(where, key) + ": expected a number, found " + node.describe()
                + (node instanceof Scalar s && s.text() != null ? " '" + s.text() + "'" : ""));
        return null;
    }

    Duration duration(Mapping m, String key, String where, Duration fallback) {
        YamlNode node = m.get(key);
        if (node == null) {
            return fallback;
        }
        String text = scalarText(node, at(where, key));
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (RuntimeException e) {
            problem(node.line(), null, at(where, key) + ": '" + text + "' is not a duration (e.g. 5m, 7d, 7y, PT5M)");
            return null;
        }
    }

    <E extends Enum<E>> E enumValue(Mapping m, String key, String where, E[] values,
                                    Function<String, Optional<E>> parse, E fallback) {
        YamlNode node = m.get(key);
        if (node == null) {
            if (fallback == null) {
                problem(m.line(), null, at(where, key) + ": missing; expected one of " + Arrays.toString(values));
            }
            return fallback;
        }
        String text = scalarText(node, at(where, key));
        if (text == null) {
            return null;
        }
        return parse.apply(text).orElseGet(() -> {
            problem(node.line(), null, at(where, key) + ": '" + text + "' is not one of " + Arrays.toString(values));
            return null;
        });
    }
}
