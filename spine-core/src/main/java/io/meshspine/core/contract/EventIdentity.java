package io.meshspine.core.contract;

import java.util.List;

/**
 * The fields that identify one event (the contract's {@code dedup: {fields: [...]}}, a spine
 * extension beside ODCS's {@code keys}). A re-sent event that carries no source position is
 * recognised as the same event by these fields; a legitimately repeated event needs new values in
 * them. {@link #NONE} when the contract names none: the gate then falls back to the decoded content.
 *
 * @param fields top-level schema fields, non-nullable and of a type a business key may have, distinct, in order
 */
public record EventIdentity(List<String> fields) {

    public static final EventIdentity NONE = new EventIdentity(List.of());

    public EventIdentity {
        fields = List.copyOf(fields);
    }

    /** Whether the contract names identity fields. */
    public boolean declared() {
        return !fields.isEmpty();
    }
}
