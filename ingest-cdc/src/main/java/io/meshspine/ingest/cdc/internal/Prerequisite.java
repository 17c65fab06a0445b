package io.meshspine.ingest.cdc.internal;

import java.util.Optional;

/**
 * Something a source database or one of its tables lacks for capture, found at start: the message says what and
 * how to fix it (the statement to run, the setting to change).
 *
 * @param table the table it concerns, as the include list names it; empty when the whole database is concerned
 */
public record Prerequisite(Optional<String> table, String message) {

    static Prerequisite database(String message) {
        return new Prerequisite(Optional.empty(), message);
    }

    static Prerequisite table(String table, String message) {
        return new Prerequisite(Optional.of(table), message);
    }
}
