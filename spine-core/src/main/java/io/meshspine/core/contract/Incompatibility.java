package io.meshspine.core.contract;

import java.util.Objects;

/**
 * One way a new schema breaks its promise.
 *
 * @param against   the earlier schema it breaks with (a commit, a ref, or a label given by the caller)
 * @param direction which reader fails: {@code BACKWARD} = the new schema cannot read old data,
 *                  {@code FORWARD} = old readers cannot read new data
 * @param field     the field concerned (dotted for nested records), or {@code <record>} for the schema itself
 * @param reason    why, in Avro's terms
 */
public record Incompatibility(String against, Direction direction, String field, String reason) {

    public enum Direction {
        BACKWARD, FORWARD
    }

    public Incompatibility {
        Objects.requireNonNull(against, "against");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return "field '" + field + "': " + reason + " (" + (direction == Direction.BACKWARD
                ? "the new schema cannot read data written with " : "readers of ") + against
                + (direction == Direction.FORWARD ? " cannot read data written with the new schema" : "") + ")";
    }
}
