package io.meshspine.sink;

/**
 * The contract's schema cannot be written into the existing Delta table: a column removed, retyped, or a new required
 * column. The sink refuses to start rather than write a table its readers can no longer trust; a breaking change is
 * a new major version, and so a new Silver table.
 */
public final class IncompatibleTableSchemaException extends RuntimeException {
    public IncompatibleTableSchemaException(String message) {
        super(message);
    }
}
