package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.contract.RuleViolation;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Type-checks a rule against the contract's schema and binds it to a {@link CompiledRule}.
 * Everything that can be decided without a record is decided here, once: field positions,
 * bound scaling, regex compilation, CEL parsing and checking, violation messages.
 */
public final class RuleCompiler {

    private final Schema schema;
    private CelRules cel; // built on the first CEL rule: most contracts have few

    public RuleCompiler(Schema schema) {
        this.schema = schema;
    }

    public CompiledRule compile(QualityRule rule) throws RuleTypeException {
        if (rule instanceof QualityRule.Cel c) {
            if (cel == null) {
                cel = new CelRules(schema);
            }
            return cel.compile(c);
        }
        FieldAccessor field = FieldAccessor.of(schema, rule.field());
        if (field == null) {
            throw new RuleTypeException(rule.field(), "rule '" + rule.id() + "' names field '" + rule.field()
                    + "', which is not in schema " + schema.getFullName());
        }
        if (rule instanceof QualityRule.Required r) {
            return required(r, field);
        } else if (rule instanceof QualityRule.Range r) {
            return range(r, field);
        } else if (rule instanceof QualityRule.Regex r) {
            return regex(r, field);
        } else if (rule instanceof QualityRule.AllowedValues r) {
            return allowed(r, field);
        } else if (rule instanceof QualityRule.MaxLength r) {
            return maxLength(r, field);
        } else if (rule instanceof QualityRule.NotInFuture r) {
            return notInFuture(r, field);
        }
        throw new AssertionError("unknown rule type " + rule.getClass());
    }

    private static RuleTypeException wrongType(QualityRule rule, FieldAccessor field, String needs) {
        return new RuleTypeException(field.name(), rule.kind().configValue() + " rule '" + rule.id() + "' needs "
                + needs + ", but field '" + field.name() + "' is " + field.type().describe());
    }

    private static RuleViolation violation(QualityRule rule, String message) {
        return new RuleViolation(rule.id(), rule.severity(), rule.field(), message);
    }

    // --- required ---------------------------------------------------------------------------

    private static CompiledRule required(QualityRule.Required rule, FieldAccessor field) {
        RuleViolation missing = violation(rule, field.name() + " is required");
        RuleViolation blank = violation(rule, field.name() + " must not be blank");
        boolean checkBlank = !rule.allowBlank() && field.type().kind().isTextual();
        return (record, now) -> {
            Object v = field.get(record);
            if (v == null) {
                return missing;
            }
            if (checkBlank && v instanceof CharSequence && v.toString().isBlank()) {
                return blank;
            }
            return null;
        };
    }

    // --- range ------------------------------------------------------------------------------

    private static CompiledRule range(QualityRule.Range rule, FieldAccessor field) throws RuleTypeException {
        FieldType type = field.type();
        if (!type.kind().isNumeric()) {
            throw wrongType(rule, field, "a number (int, long, float, double or decimal)");
        }
        RuleViolation outside = violation(rule, field.name() + " must be " + rangeText(rule));
        Bounds bounds = new Bounds(rule, type);
        return (record, now) -> {
            Object v = field.get(record);
            if (v == null) {
                return null;
            }
            return bounds.contains(v) ? null : outside;
        };
    }

    static String rangeText(QualityRule.Range rule) {
        StringBuilder text = new StringBuilder();
        rule.min().ifPresent(min -> text.append(rule.minInclusive() ? ">= " : "> ").append(min.toPlainString()));
        rule.max().ifPresent(max -> {
            if (!text.isEmpty()) {
                text.append(" and ");
            }
            text.append(rule.maxInclusive() ? "<= " : "< ").append(max.toPlainString());
        });
        return text.toString();
    }

    /**
     * Bounds pre-converted to the field's own representation: longs for integers, doubles for
     * floating point, unscaled longs for decimals of up to 18 digits. BigDecimal is the fallback.
     */
    private static final class Bounds {
        private final FieldType type;
        private final BigDecimal min;
        private final BigDecimal max;
        private final boolean minInclusive;
        private final boolean maxInclusive;
        private final boolean longFast;
        private final long minLong;
        private final long maxLong;
        private final double minDouble;
        private final double maxDouble;

        Bounds(QualityRule.Range rule, FieldType type) {
            this.type = type;
            this.min = rule.min().orElse(null);
            this.max = rule.max().orElse(null);
            this.minInclusive = rule.minInclusive();
            this.maxInclusive = rule.maxInclusive();
            this.minDouble = min == null ? Double.NEGATIVE_INFINITY : min.doubleValue();
            this.maxDouble = max == null ? Double.POSITIVE_INFINITY : max.doubleValue();
            int scale = type.kind() == FieldType.Kind.DECIMAL ? type.scale() : 0;
            Long lo = exactLong(min, scale, Long.MIN_VALUE);
            Long hi = exactLong(max, scale, Long.MAX_VALUE);
            boolean integral = type.kind() == FieldType.Kind.INT || type.kind() == FieldType.Kind.LONG
                    || type.kind() == FieldType.Kind.DECIMAL;
            this.longFast = integral && lo != null && hi != null;
            this.minLong = lo == null ? 0 : lo;
            this.maxLong = hi == null ? 0 : hi;
        }

        /** The bound in units of the field's scale if that is exact and fits a long; else null. */
        private static Long exactLong(BigDecimal bound, int scale, long open) {
            if (bound == null) {
                return open;
            }
            try {
                return bound.setScale(scale).unscaledValue().longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }

        boolean contains(Object v) {
            switch (type.kind()) {
                case INT, LONG -> {
                    if (v instanceof Integer || v instanceof Long) {
                        long x = ((Number) v).longValue();
                        return longFast ? inLong(x) : inDecimal(BigDecimal.valueOf(x));
                    }
                }
                case FLOAT, DOUBLE -> {
                    if (v instanceof Number n) {
                        double x = n.doubleValue(); // NaN fails both comparisons, so it is out of range
                        return (minInclusive ? x >= minDouble : x > minDouble) && (maxInclusive ? x <= maxDouble : x < maxDouble);
                    }
                }
                case DECIMAL -> {
                    if (longFast && AvroValues.fitsLong(v)) {
                        return inLong(AvroValues.unscaledLong(v));
                    }
                    return inDecimal(AvroValues.toBigDecimal(v, type.scale()));
                }
                default -> { }
            }
            throw new AvroValues.UnexpectedValueException(type.describe(), v);
        }

        private boolean inLong(long x) {
            boolean aboveMin = min == null || (minInclusive ? x >= minLong : x > minLong);
            return aboveMin && (max == null || (maxInclusive ? x <= maxLong : x < maxLong));
        }

        private boolean inDecimal(BigDecimal x) {
            boolean aboveMin = min == null || (minInclusive ? x.compareTo(min) >= 0 : x.compareTo(min) > 0);
            return aboveMin && (max == null || (maxInclusive ? x.compareTo(max) <= 0 : x.compareTo(max) < 0));
        }
    }

    // --- regex ------------------------------------------------------------------------------

    private static CompiledRule regex(QualityRule.Regex rule, FieldAccessor field) throws RuleTypeException {
        if (!field.type().kind().isTextual()) {
            throw wrongType(rule, field, "a string or enum");
        }
        Pattern pattern = rule.pattern();
        RuleViolation mismatch = violation(rule, field.name() + " does not match " + pattern.pattern());
        return (record, now) -> {
            Object v = field.get(record);
            if (v == null) {
                return null;
            }
            return pattern.matcher(AvroValues.text(v)).matches() ? null : mismatch;
        };
    }

    // --- allowed values ---------------------------------------------------------------------

    private static CompiledRule allowed(QualityRule.AllowedValues rule, FieldAccessor field) throws RuleTypeException {
        FieldType type = field.type();
        if (rule.values().isEmpty()) {
            throw new RuleTypeException(field.name(), "allowed-values rule '" + rule.id() + "' lists no values");
        }
        String shown = rule.values().size() <= 12 ? " " + rule.values() : " (" + rule.values().size() + " values)";
        RuleViolation notAllowed = violation(rule, field.name() + " is not one of the allowed values" + shown);
        if (type.kind().isTextual()) {
            if (type.kind() == FieldType.Kind.ENUM) {
                List<String> unknown = rule.values().stream().filter(v -> !type.schema().hasEnumSymbol(v)).toList();
                if (!unknown.isEmpty()) {
                    throw new RuleTypeException(field.name(), "allowed-values rule '" + rule.id() + "' lists " + unknown
                            + ", which are not symbols of enum " + type.schema().getFullName());
                }
            }
            Set<String> values = Set.copyOf(rule.values());
            return (record, now) -> {
                Object v = field.get(record);
                return v == null || values.contains(AvroValues.text(v)) ? null : notAllowed;
            };
        }
        if (type.kind() == FieldType.Kind.INT || type.kind() == FieldType.Kind.LONG) {
            Set<Long> values = new HashSet<>();
            for (String s : rule.values()) {
                try {
                    values.add(Long.parseLong(s.trim()));
                } catch (NumberFormatException e) {
                    throw new RuleTypeException(field.name(), "allowed-values rule '" + rule.id() + "' lists '" + s
                            + "', which is not an integer, for " + type.describe() + " field '" + field.name() + "'");
                }
            }
            return (record, now) -> {
                Object v = field.get(record);
                if (v == null) {
                    return null;
                }
                if (!(v instanceof Integer || v instanceof Long)) {
                    throw new AvroValues.UnexpectedValueException(type.describe(), v);
                }
                return values.contains(((Number) v).longValue()) ? null : notAllowed;
            };
        }
        throw wrongType(rule, field, "a string, enum, int or long");
    }

    // --- max length -------------------------------------------------------------------------

    private static CompiledRule maxLength(QualityRule.MaxLength rule, FieldAccessor field) throws RuleTypeException {
        FieldType.Kind kind = field.type().kind();
        if (rule.maxLength() < 1) {
            throw new RuleTypeException(field.name(), "max-length rule '" + rule.id() + "' needs maxLength >= 1");
        }
        int max = rule.maxLength();
        if (kind == FieldType.Kind.STRING || kind == FieldType.Kind.UUID) {
            RuleViolation tooLong = violation(rule, field.name() + " is longer than " + max + " characters");
            return (record, now) -> {
                Object v = field.get(record);
                return v == null || AvroValues.codePointLength(AvroValues.text(v)) <= max ? null : tooLong;
            };
        }
        if (kind == FieldType.Kind.BYTES) {
            RuleViolation tooLong = violation(rule, field.name() + " is longer than " + max + " bytes");
            return (record, now) -> {
                Object v = field.get(record);
                if (v == null) {
                    return null;
                }
                if (!(v instanceof java.nio.ByteBuffer b)) {
                    throw new AvroValues.UnexpectedValueException("bytes", v);
                }
                return b.remaining() <= max ? null : tooLong;
            };
        }
        throw wrongType(rule, field, "a string or bytes");
    }

    // --- not in future ----------------------------------------------------------------------

    private static CompiledRule notInFuture(QualityRule.NotInFuture rule, FieldAccessor field) throws RuleTypeException {
        FieldType.Kind kind = field.type().kind();
        if (!kind.isTemporal()) {
            throw wrongType(rule, field, "a date or timestamp");
        }
        if (rule.clockSkew().isNegative()) {
            throw new RuleTypeException(field.name(), "not-in-future rule '" + rule.id() + "' has a negative clockSkew");
        }
        long skewMicros = rule.clockSkew().toNanos() / 1000;
        boolean isDate = kind == FieldType.Kind.DATE;
        RuleViolation future = violation(rule, field.name() + " is in the future"
                + (skewMicros > 0 ? " (allowed clock skew " + rule.clockSkew() + ")" : ""));
        return new CompiledRule() {
            @Override
            public RuleViolation check(GenericRecord record, long nowMicros) {
                Object v = field.get(record);
                if (v == null) {
                    return null;
                }
                long value = AvroValues.toEpochMicros(v, kind);
                long limit = nowMicros + skewMicros;
                if (isDate) {
                    // a date is valid through the whole of its (UTC) day
                    return Math.floorDiv(value, AvroValues.MICROS_PER_DAY) <= Math.floorDiv(limit, AvroValues.MICROS_PER_DAY) ? null : future;
                }
                return value <= limit ? null : future;
            }

            @Override
            public boolean usesClock() {
                return true;
            }
        };
    }

    /** Variable names CEL reserves; such fields are left out of the CEL environment. */
    static final Set<String> CEL_RESERVED = Set.of("true", "false", "null", "in", "as", "break", "const", "continue",
            "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while");
}
