package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.RuleViolation;
import org.apache.avro.generic.GenericRecord;

/** A rule bound to a schema, ready for per-record use. */
public interface CompiledRule {

    /**
     * The violation, or null when the record satisfies the rule. Passing rules allocate nothing.
     *
     * @param nowMicros the evaluation's "now" in epoch microseconds (only time rules read it)
     */
    RuleViolation check(GenericRecord record, long nowMicros);

    /** Whether the rule reads the clock, so callers need not when none does. */
    default boolean usesClock() {
        return false;
    }
}
