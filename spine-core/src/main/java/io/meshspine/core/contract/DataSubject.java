package io.meshspine.core.contract;

import java.util.Objects;
import java.util.Optional;

/**
 * Whose personal data a record holds (the contract's {@code subject: {field: ...}}, a spine extension beside ODCS's
 * fields): the record's PII is encrypted at rest under a data key of that subject, so destroying the subject's keys
 * erases it wherever the ciphertext lies. {@link #NONE} when the contract names no subject: its PII is then encrypted
 * under one key of the contract's domain, and only a whole domain can be erased.
 *
 * @param field a top-level schema field that is declared PII and holds a string or a number; empty for {@link #NONE}
 */
public record DataSubject(Optional<String> field) {

    public static final DataSubject NONE = new DataSubject(Optional.empty());

    public DataSubject {
        Objects.requireNonNull(field, "field");
    }

    public static DataSubject of(String field) {
        return new DataSubject(Optional.of(field));
    }

    /** Whether the contract names a subject field. */
    public boolean declared() {
        return field.isPresent();
    }
}
