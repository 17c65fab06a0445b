package io.meshspine.core.contract;

import io.meshspine.core.contract.internal.AvroValues;
import io.meshspine.core.contract.internal.CompiledRule;
import io.meshspine.core.contract.internal.RuleCompiler;
import io.meshspine.core.contract.internal.RuleTypeException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A contract's quality rules, compiled once against its schema. {@link #evaluate} is the per-record
 * hot path: it reports every violated rule, allocates nothing when all pass, and never throws for
 * bad data (a value it cannot read is itself a violation of the rule that read it).
 */
public final class RuleSet {

    private final List<QualityRule> rules;
    private final CompiledRule[] compiled;
    private final boolean usesClock;
    private final Clock clock;

    private RuleSet(List<QualityRule> rules, CompiledRule[] compiled, Clock clock) {
        this.rules = List.copyOf(rules);
        this.compiled = compiled;
        this.clock = clock;
        boolean anyClock = false;
        for (CompiledRule c : compiled) {
            anyClock |= c.usesClock();
        }
        this.usesClock = anyClock;
    }

    /** A rule that does not fit the schema. */
    public static final class InvalidRuleException extends Exception {
        private final String ruleId;
        private final String field;

        InvalidRuleException(String ruleId, String field, String message) {
            super(message);
            this.ruleId = ruleId;
            this.field = field;
        }

        public String ruleId() {
            return ruleId;
        }

        /** The field concerned, or null. */
        public String field() {
            return field;
        }
    }

    /** Compiles the rules against a record schema; the first rule that does not fit is reported. */
    public static RuleSet compile(Schema schema, List<QualityRule> rules) throws InvalidRuleException {
        return compile(schema, rules, Clock.systemUTC());
    }

    /** As {@link #compile(Schema, List)}, with the clock that not-in-future rules read. */
    public static RuleSet compile(Schema schema, List<QualityRule> rules, Clock clock) throws InvalidRuleException {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(clock, "clock");
        RuleCompiler compiler = new RuleCompiler(schema);
        CompiledRule[] compiled = new CompiledRule[rules.size()];
        for (int i = 0; i < compiled.length; i++) {
            QualityRule rule = rules.get(i);
            try {
                compiled[i] = compiler.compile(rule);
            } catch (RuleTypeException e) {
                throw new InvalidRuleException(rule.id(), e.field(), e.getMessage());
            }
        }
        return new RuleSet(rules, compiled, clock);
    }

    /** The same rules reading another clock (tests, replays judged at their original time). */
    public RuleSet withClock(Clock clock) {
        return new RuleSet(rules, compiled, Objects.requireNonNull(clock, "clock"));
    }

    public List<QualityRule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Every rule the record violates, errors and warnings alike, in declaration order. */
    public List<RuleViolation> evaluate(GenericRecord record) {
        return evaluateAt(record, usesClock ? AvroValues.instantMicros(clock.instant()) : 0L);
    }

    /** As {@link #evaluate(GenericRecord)}, judged at {@code now}. */
    public List<RuleViolation> evaluate(GenericRecord record, Instant now) {
        return evaluateAt(record, AvroValues.instantMicros(now));
    }

    private List<RuleViolation> evaluateAt(GenericRecord record, long nowMicros) {
        List<RuleViolation> found = null;
        for (int i = 0; i < compiled.length; i++) {
            RuleViolation v;
            try {
                v = compiled[i].check(record, nowMicros);
            } catch (RuntimeException e) {
                // A value of the wrong Java type (a record not built from this schema) or an overflow.
                // The exception's message never carries the value; see AvroValues.UnexpectedValueException.
                QualityRule rule = rules.get(i);
                v = new RuleViolation(rule.id(), rule.severity(), rule.field(),
                        "rule could not be evaluated: " + describe(e));
            }
            if (v != null) {
                if (found == null) {
                    found = new ArrayList<>(2);
                }
                found.add(v);
            }
        }
        return found == null ? List.of() : Collections.unmodifiableList(found);
    }

    private static String describe(RuntimeException e) {
        return e instanceof AvroValues.UnexpectedValueException ? e.getMessage() : e.getClass().getSimpleName();
    }
}
