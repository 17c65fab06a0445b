package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.contract.RuleKind;
import io.meshspine.core.contract.RuleSet;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.avro.Schema;

/**
 * {@code quality}: the rules records must pass, each read by its kind, then type-checked against the
 * schema and compiled once. Every bad rule is reported, not only the first.
 */
final class RulesSection {

    private static final Pattern RULE_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    /** The keys each rule kind takes beside id, kind, severity, description and field. */
    private static final Map<RuleKind, Set<String>> RULE_KEYS = Map.of(
            RuleKind.REQUIRED, Set.of("allowBlank"),
            RuleKind.RANGE, Set.of("min", "max", "minInclusive", "maxInclusive"),
            RuleKind.REGEX, Set.of("pattern"),
            RuleKind.ALLOWED_VALUES, Set.of("values"),
            RuleKind.MAX_LENGTH, Set.of("maxLength"),
            RuleKind.NOT_IN_FUTURE, Set.of("clockSkew"),
            RuleKind.CEL, Set.of("expression"));

    private final ContractFile file;
    private final Clock clock;

    /** @param clock what {@code not-in-future} rules compare against */
    RulesSection(ContractFile file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    RuleSet read(Mapping top, Schema schema) {
        YamlNode node = top.get("quality");
        List<QualityRule> rules = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        if (node != null) {
            Sequence seq = file.sequence(node, "quality");
            if (seq != null) {
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < seq.items().size(); i++) {
                    String where = "quality[" + i + "]";
                    Mapping m = file.mapping(seq.items().get(i), where);
                    if (m == null) {
                        continue;
                    }
                    QualityRule rule = rule(m, where);
                    if (rule == null) {
                        continue;
                    }
                    if (!ids.add(rule.id())) {
                        file.problem(m.lineOf("id"), rule.field(), where + ": rule id '" + rule.id() + "' is used twice");
                    }
                    rules.add(rule);
                    lines.add(rule instanceof QualityRule.Cel ? m.lineOf("expression") : m.lineOf("field"));
                }
            }
        }
        if (schema == null) {
            return null;
        }
        // Type-check each rule alone, so every bad rule is reported, not only the first.
        RuleCompiler compiler = new RuleCompiler(schema);
        boolean allGood = true;
        for (int i = 0; i < rules.size(); i++) {
            try {
                compiler.compile(rules.get(i));
            } catch (RuleTypeException e) {
                file.problem(lines.get(i), e.field(), "quality[" + i + "]: " + e.getMessage());
                allGood = false;
            }
        }
        if (!allGood) {
            return null;
        }
        try {
            return RuleSet.compile(schema, rules, clock);
        } catch (RuleSet.InvalidRuleException e) {
            throw new IllegalStateException("rule passed its check but failed to compile: " + e.getMessage(), e);
        }
    }

    private QualityRule rule(Mapping m, String where) {
        String id = file.requiredString(m, "id", where);
        if (id != null && !RULE_ID.matcher(id).matches()) {
            file.problem(m.lineOf("id"), null, where + ".id: '" + id + "' must be lower-case letters, digits, '-', '_' or '.' (it is a metric label)");
        }
        RuleKind kind = file.enumValue(m, "kind", where, RuleKind.values(), RuleKind::fromConfig, null);
        Severity severity = file.enumValue(m, "severity", where, Severity.values(), Severity::fromConfig, Severity.ERROR);
        String description = file.optionalString(m, "description", where).orElse("");
        if (kind == null) {
            return null;
        }
        Set<String> allowed = new HashSet<>(RULE_KEYS.get(kind));
        allowed.addAll(Set.of("id", "kind", "severity", "description"));
        if (kind != RuleKind.CEL) {
            allowed.add("field");
        }
        file.unknownKeys(m, where, allowed);
        String field = kind == RuleKind.CEL ? null : file.requiredString(m, "field", where);
        if (id == null || severity == null || (kind != RuleKind.CEL && field == null)) {
            return null;
        }
        switch (kind) {
            case REQUIRED -> {
                Boolean allowBlank = file.bool(m, "allowBlank", where, false);
                return allowBlank == null ? null : new QualityRule.Required(id, severity, field, allowBlank, description);
            }
            case RANGE -> {
                Optional<BigDecimal> min = file.number(m, "min", where, field);
                Optional<BigDecimal> max = file.number(m, "max", where, field);
                Boolean minInclusive = file.bool(m, "minInclusive", where, true);
                Boolean maxInclusive = file.bool(m, "maxInclusive", where, true);
                if (min == null || max == null || minInclusive == null || maxInclusive == null) {
                    return null;
                }
                if (min.isEmpty() && max.isEmpty()) {
                    file.problem(m.line(), field, where + ": a range rule needs min, max or both");
                    return null;
                }
                if (min.isPresent() && max.isPresent()) {
                    int c = min.get().compareTo(max.get());
                    if (c > 0 || (c == 0 && !(minInclusive && maxInclusive))) {
                        file.problem(m.lineOf("max"), field, where + ": the range is empty (min " + min.get().toPlainString()
                                + ", max " + max.get().toPlainString() + ")");
                        return null;
                    }
                }
                return new QualityRule.Range(id, severity, field, min, minInclusive, max, maxInclusive, description);
            }
            case REGEX -> {
                String pattern = file.requiredString(m, "pattern", where);
                if (pattern == null) {
                    return null;
                }
                try {
                    return new QualityRule.Regex(id, severity, field, Pattern.compile(pattern), description);
                } catch (PatternSyntaxException e) {
                    file.problem(m.lineOf("pattern"), field, where + ".pattern: not a valid regular expression: " + e.getDescription()
                            + " near index " + e.getIndex());
                    return null;
                }
            }
            case ALLOWED_VALUES -> {
                YamlNode valuesNode = m.get("values");
                if (valuesNode == null) {
                    file.problem(m.line(), field, where + ".values: missing");
                    return null;
                }
                Sequence seq = file.sequence(valuesNode, where + ".values");
                if (seq == null) {
                    return null;
                }
                List<String> values = new ArrayList<>();
                for (YamlNode v : seq.items()) {
                    String text = file.scalarText(v, where + ".values");
                    if (text == null) {
                        return null;
                    }
                    values.add(text);
                }
                return new QualityRule.AllowedValues(id, severity, field, values, description);
            }
            case MAX_LENGTH -> {
                Optional<BigDecimal> max = file.number(m, "maxLength", where, field);
                if (max == null) {
                    return null;
                }
                if (max.isEmpty()) {
                    file.problem(m.line(), field, where + ".maxLength: missing");
                    return null;
                }
                try {
                    return new QualityRule.MaxLength(id, severity, field, max.get().intValueExact(), description);
                } catch (ArithmeticException e) {
                    file.problem(m.lineOf("maxLength"), field, where + ".maxLength: must be a whole number");
                    return null;
                }
            }
            case NOT_IN_FUTURE -> {
                Duration skew = file.duration(m, "clockSkew", where, Duration.ZERO);
                return skew == null ? null : new QualityRule.NotInFuture(id, severity, field, skew, description);
            }
            case CEL -> {
                String expression = file.requiredString(m, "expression", where);
                return expression == null ? null : new QualityRule.Cel(id, severity, expression, description);
            }
            default -> throw new AssertionError(kind);
        }
    }
}
