package io.meshspine.core.contract.internal;

/** A rule that cannot apply to its field (wrong type, unknown field, bad expression). */
public final class RuleTypeException extends Exception {
    private final String field;

    public RuleTypeException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field concerned, or null. */
    public String field() {
        return field;
    }
}
