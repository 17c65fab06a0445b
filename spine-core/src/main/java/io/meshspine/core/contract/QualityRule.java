package io.meshspine.core.contract;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A quality rule as the contract declares it. Rules name top-level fields; a null value passes every
 * kind except {@link Required}, so "may be absent, but if present must be valid" needs no special form.
 * Evaluation lives in {@link RuleSet}, which compiles each rule against the contract's schema once.
 */
public sealed interface QualityRule {

    String id();

    Severity severity();

    RuleKind kind();

    /** The checked field; null for {@link Cel}, whose expression may span fields. */
    String field();

    /** What the rule means in the domain's words (may be empty). */
    String description();

    record Required(String id, Severity severity, String field, boolean allowBlank, String description) implements QualityRule {
        public Required {
            Objects.requireNonNull(field, "field");
        }

        @Override
        public RuleKind kind() {
            return RuleKind.REQUIRED;
        }
    }

    /** At least one bound is present. */
    record Range(String id, Severity severity, String field, Optional<BigDecimal> min, boolean minInclusive,
                 Optional<BigDecimal> max, boolean maxInclusive, String description) implements QualityRule {
        public Range {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
        }

        @Override
        public RuleKind kind() {
            return RuleKind.RANGE;
        }
    }

    /** The whole value must match ({@link java.util.regex.Matcher#matches()}), anchors or not. */
    record Regex(String id, Severity severity, String field, Pattern pattern, String description) implements QualityRule {
        public Regex {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(pattern, "pattern");
        }

        @Override
        public RuleKind kind() {
            return RuleKind.REGEX;
        }
    }

    record AllowedValues(String id, Severity severity, String field, List<String> values, String description) implements QualityRule {
        public AllowedValues {
            Objects.requireNonNull(field, "field");
            values = List.copyOf(values);
        }

        @Override
        public RuleKind kind() {
            return RuleKind.ALLOWED_VALUES;
        }
    }

    record MaxLength(String id, Severity severity, String field, int maxLength, String description) implements QualityRule {
        public MaxLength {
            Objects.requireNonNull(field, "field");
        }

        @Override
        public RuleKind kind() {
            return RuleKind.MAX_LENGTH;
        }
    }

    /** Dates compare with the UTC date of now plus the skew. */
    record NotInFuture(String id, Severity severity, String field, Duration clockSkew, String description) implements QualityRule {
        public NotInFuture {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(clockSkew, "clockSkew");
        }

        @Override
        public RuleKind kind() {
            return RuleKind.NOT_IN_FUTURE;
        }
    }

    /**
     * A CEL expression that must evaluate to true. Every top-level field is a variable: strings and
     * enums as string, int/long as int, float/double and decimals as double, timestamps and dates
     * (midnight UTC) as timestamp, nullable fields comparable with null. An expression that fails
     * at run time (e.g. no overload for a null) counts as a violation, never as an exception.
     */
    record Cel(String id, Severity severity, String expression, String description) implements QualityRule {
        public Cel {
            Objects.requireNonNull(expression, "expression");
        }

        @Override
        public RuleKind kind() {
            return RuleKind.CEL;
        }

        @Override
        public String field() {
            return null;
        }
    }
}
