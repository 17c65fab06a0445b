package io.meshspine.ingest.typing;

import org.apache.avro.generic.GenericRecord;

import java.util.Objects;

/** What typing one row or JSON object against a contract's schema gave: a record, or why there is none. */
public sealed interface Typing permits Typing.Typed, Typing.Untyped {

    /** The row fits the schema. */
    record Typed(GenericRecord record) implements Typing {
        public Typed {
            Objects.requireNonNull(record, "record");
        }
    }

    /**
     * The row does not fit. The reason names the type and what is wrong with the text, never the value itself: it ends
     * up in logs and dead-letter messages, and the value may be PII.
     *
     * @param field  the schema field, or null when the row as a whole is wrong (column count, not a JSON object)
     * @param column the 1-based CSV column, or 0 when there is none (JSON, or the row as a whole)
     */
    record Untyped(String field, int column, String reason) implements Typing {
        public Untyped {
            Objects.requireNonNull(reason, "reason");
        }

        public String message() {
            if (field == null) {
                return reason;
            }
            return (column > 0 ? "column " + column + " (" + field + ")" : "field " + field) + ": " + reason;
        }
    }
}
