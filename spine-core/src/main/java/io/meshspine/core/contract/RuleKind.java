package io.meshspine.core.contract;

import java.util.Optional;

/** The kinds of quality rule a contract can declare. */
public enum RuleKind implements ConfigValue {
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

    public static Optional<RuleKind> fromConfig(String value) {
        return ConfigValue.parse(RuleKind.class, value);
    }

    @Override
    public String toString() {
        return configValue();
    }
}
