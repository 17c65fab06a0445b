package io.meshspine.core.contract.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** The shortcut is held to CEL's own interpreter, record by record, on values chosen to hit every edge. */
class CelShortcutTest {

    static final Schema SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "test", "fields": [
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}},
              {"name": "fee", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}], "default": null},
              {"name": "count", "type": ["null", "int"], "default": null},
              {"name": "big", "type": "long"},
              {"name": "ratio", "type": ["null", "double"], "default": null},
              {"name": "status", "type": ["null", "string"], "default": null},
              {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C"]}},
              {"name": "flag", "type": ["null", "boolean"], "default": null},
              {"name": "opened", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "closed", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []}
            ]}""");

    /** Expressions in the subset: each must be answered by the shortcut, exactly as CEL answers it. */
    static final List<String> IN_SUBSET = List.of(
            "fee == null || fee <= amount",
            "fee != null && fee > amount",
            "amount > 0",
            "amount >= 0.5 && amount < 1000000",
            "count == null || count >= 1",
            "count > 2.5",
            "big > 9007199254740993.0",
            "big <= -9007199254740993",
            "ratio < 1.0 || ratio == 1.0",
            "ratio != ratio",
            "ratio >= count",
            "status == 'OPEN' || status == null",
            "status != 'OPEN'",
            "status in ['OPEN', 'CLOSED']",
            "!(status in ['OPEN', 'CLOSED']) || closed != null",
            "kind in ['A', 'B']",
            "kind == 'C'",
            "count in [1, 2, 3]",
            "flag",
            "!flag || count > 0",
            "flag == true",
            "closed == null || closed >= opened",
            "closed > opened && !(fee == null)",
            "true && (false || amount > fee)",
            "fee <= amount",
            "null == null");

    /** Expressions outside it: CEL alone. */
    static final List<String> OUTSIDE = List.of(
            "size(tags) == 1", "'x' in tags", "double(count) == 1.0", "status < 'M'", "amount + 1.0 > fee",
            "closed > timestamp('2024-01-01T00:00:00Z')", "fee == null || fee > amount * 0.5", "count > 0 ? true : false");

    private static final SplittableRandom RANDOM = new SplittableRandom(42);

    @Test
    void everySimpleExpressionAnswersAsCelDoesOnEveryKindOfValue() throws Exception {
        CelRules cel = new CelRules(SCHEMA);
        for (String expression : IN_SUBSET) {
            QualityRule.Cel rule = new QualityRule.Cel("r", Severity.ERROR, expression, "");
            assertThat(cel.hasShortcut(rule)).as(expression).isTrue();
            CompiledRule fast = cel.compile(rule);
            CompiledRule interpreted = cel.interpreted(rule);
            for (int i = 0; i < 5_000; i++) {
                GenericRecord r = randomRecord();
                RuleViolation expected = interpreted.check(r, 0);
                RuleViolation actual = fast.check(r, 0);
                assertThat(describe(actual)).as("%s on %s", expression, r).isEqualTo(describe(expected));
            }
        }
    }

    @Test
    void otherExpressionsAreLeftToCel() throws Exception {
        CelRules cel = new CelRules(SCHEMA);
        for (String expression : OUTSIDE) {
            assertThat(cel.hasShortcut(new QualityRule.Cel("r", Severity.ERROR, expression, ""))).as(expression).isFalse();
        }
    }

    private static String describe(RuleViolation v) {
        return v == null ? "passes" : v.ruleId() + "/" + v.severity() + "/" + Objects.toString(v.field()) + ": " + v.message();
    }

    private static GenericRecord randomRecord() {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("amount", decimal(pick("0.00", "0.01", "0.50", "100.00", "999999.99", "1000000.00", "-5.00")));
        r.put("fee", RANDOM.nextInt(3) == 0 ? null : decimal(pick("0.00", "0.50", "100.00", "100.01", "-1.00")));
        r.put("count", RANDOM.nextInt(4) == 0 ? null : pick(0, 1, 2, 3, -1, Integer.MAX_VALUE));
        r.put("big", pick(0L, 9_007_199_254_740_993L, 9_007_199_254_740_992L, -9_007_199_254_740_993L, Long.MAX_VALUE, Long.MIN_VALUE));
        r.put("ratio", RANDOM.nextInt(4) == 0 ? null : pick(1.0, 0.999, 2.5, -0.0, 0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
        r.put("status", RANDOM.nextInt(4) == 0 ? null : new Utf8(pick("OPEN", "CLOSED", "open", "")));
        r.put("kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), pick("A", "B", "C")));
        r.put("flag", RANDOM.nextInt(3) == 0 ? null : RANDOM.nextBoolean());
        r.put("opened", pick(1_700_000_000_000_000L, 0L, -1L));
        r.put("closed", RANDOM.nextInt(3) == 0 ? null : pick(1_700_000_000_000_000L, 1_700_000_000_000_001L, 1_699_999_999_999_999L, -2L));
        r.put("tags", List.of());
        return r;
    }

    @SafeVarargs
    private static <T> T pick(T... values) {
        return values[RANDOM.nextInt(values.length)];
    }

    private static ByteBuffer decimal(String value) {
        return new Conversions.DecimalConversion().toBytes(new BigDecimal(value).setScale(2), null, LogicalTypes.decimal(18, 2));
    }
}
