package io.meshspine.core.contract;

import java.util.Objects;

/**
 * Something wrong with a contract or its schema, found before any record is seen.
 *
 * @param file    the contract or schema file, as the user knows it (a path, or {@code classpath:...})
 * @param line    1-based line in that file; 0 when the fault has no single line (a missing file)
 * @param field   the Avro field concerned, or null
 * @param message what is wrong, naming the contract key
 */
public record Problem(String file, int line, String field, String message) {
    public Problem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + (field != null ? "field '" + field + "': " : "") + message;
    }
}
