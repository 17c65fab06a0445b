package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The kinds of quality rule a contract can declare. */
public enum RuleKind {
    /** The field is present (not null) and, for strings, not blank unless allowed. */
    REQUIRED,
    /** A number (int, long, float, double, decimal) within min/max, each bound inclusive or not. */
    RANGE,
    /** A string (or enum symbol) that wholly matches a Java regular expression. */
    REGEX,
    /** A string, enum symbol or integer from a fixed set. */
    ALLOWED_VALUES,
    /** A string of at most so many characters (code points), or bytes of at most so many bytes. */
    MAX_LENGTH,
    /** A date or timestamp no later than now plus an allowed clock skew. */
    NOT_IN_FUTURE,
    /** A CEL expression over the record's top-level fields that must be true. */
    CEL;

    private final String configValue;

    RuleKind() {
        this.configValue = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The value as written in a contract. */
    public String configValue() {
        return configValue;
    }

    public static Optional<RuleKind> fromConfig(String value) {
        return Arrays.stream(values()).filter(v -> v.configValue.equals(value)).findFirst();
    }

    @Override
    public String toString() {
        return configValue;
    }
}
