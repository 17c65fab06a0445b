package io.meshspine.core.contract;

import java.util.List;
import java.util.Objects;

/**
 * One rule a record broke. The message never contains the field's value: violations travel into
 * dead letters, logs and metrics, and the value may be PII.
 *
 * @param field the top-level field the rule checks; null for CEL rules, which span fields
 */
public record RuleViolation(String ruleId, Severity severity, String field, String message) {
    public RuleViolation {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** Whether any violation dead-letters its record. */
    public static boolean anyError(List<RuleViolation> violations) {
        for (RuleViolation v : violations) {
            if (v.isError()) {
                return true;
            }
        }
        return false;
    }
}
