package io.meshspine.core.contract;

import static io.meshspine.core.contract.Records.decimal;
import static io.meshspine.core.contract.Records.record;
import static io.meshspine.core.contract.Records.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class CelRuleTest {

    static final Schema SCHEMA = Records.schema("""
            {"type": "record", "name": "Loan", "namespace": "test", "fields": [
              {"name": "status", "type": "string"},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 14, "scale": 2}},
              {"name": "fee", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 14, "scale": 2}], "default": null},
              {"name": "term_months", "type": "int"},
              {"name": "submitted_at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "decided_at", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": null},
              {"name": "start_dt", "type": {"type": "int", "logicalType": "date"}},
              {"name": "end_dt", "type": ["null", {"type": "int", "logicalType": "date"}], "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []}
            ]}""");

    static final Instant NOW = Instant.parse("2024-06-30T12:00:00Z");

    static GenericRecord loan() {
        return record(SCHEMA, "status", utf8("SUBMITTED"), "amount", decimal("100.00", 2), "term_months", 12,
                "submitted_at", 1_700_000_000_000_000L, "start_dt", (int) LocalDate.of(2024, 1, 1).toEpochDay(),
                "tags", List.of(utf8("new")));
    }

    static RuleSet cel(String expression) throws Exception {
        return RuleSet.compile(SCHEMA, List.of(new QualityRule.Cel("x", Severity.ERROR, expression, "")));
    }

    @Test
    void aNullableDecimalIsComparedWithAnotherDecimalOnceItIsPresent() throws Exception {
        RuleSet rule = cel("fee == null || fee <= amount");
        GenericRecord r = loan();
        assertThat(rule.evaluate(r, NOW)).isEmpty();
        r.put("fee", decimal("100.00", 2));
        assertThat(rule.evaluate(r, NOW)).isEmpty();
        r.put("fee", decimal("100.01", 2));
        assertThat(rule.evaluate(r, NOW)).singleElement().satisfies(v -> {
            assertThat(v.ruleId()).isEqualTo("x");
            assertThat(v.field()).isNull();
            assertThat(v.message()).isEqualTo("expression is false: fee == null || fee <= amount");
        });
    }

    @Test
    void timestampsAndDatesCompareAcrossFields() throws Exception {
        RuleSet decided = cel("decided_at == null || decided_at >= submitted_at");
        GenericRecord r = loan();
        r.put("decided_at", 1_700_000_000_000_001L);
        assertThat(decided.evaluate(r, NOW)).isEmpty();
        r.put("decided_at", 1_699_999_999_999_999L);
        assertThat(decided.evaluate(r, NOW)).hasSize(1);

        RuleSet period = cel("end_dt == null || end_dt >= start_dt");
        r.put("end_dt", (int) LocalDate.of(2023, 12, 31).toEpochDay());
        assertThat(period.evaluate(r, NOW)).hasSize(1);
        r.put("end_dt", LocalDate.of(2024, 1, 1)); // LocalDate from a converting reader
        assertThat(period.evaluate(r, NOW)).isEmpty();
    }

    @Test
    void stringsListsAndMixedNumbersWork() throws Exception {
        GenericRecord r = loan();
        assertThat(cel("!(status in ['APPROVED', 'DECLINED']) || decided_at != null").evaluate(r, NOW)).isEmpty();
        r.put("status", utf8("APPROVED"));
        assertThat(cel("!(status in ['APPROVED', 'DECLINED']) || decided_at != null").evaluate(r, NOW)).hasSize(1);
        // an int field against a double literal and a decimal: heterogeneous comparisons are enabled
        assertThat(cel("term_months > 11.5 && amount > term_months").evaluate(r, NOW)).isEmpty();
        assertThat(cel("'new' in tags && size(tags) == 1").evaluate(r, NOW)).isEmpty();
    }

    @Test
    void anExpressionThatFailsAtRunTimeIsAViolation() throws Exception {
        RuleSet rule = cel("fee > 0.0");
        List<RuleViolation> violations = rule.evaluate(loan(), NOW); // fee is null: no overload for null > double
        assertThat(violations).singleElement().extracting(RuleViolation::message).asString()
                .startsWith("expression could not be evaluated");
    }

    @Test
    void expressionsAreTypeCheckedAgainstTheSchemaWhenCompiled() {
        assertThatThrownBy(() -> cel("amout > 0.0"))
                .isInstanceOf(RuleSet.InvalidRuleException.class)
                .hasMessageContaining("does not compile").hasMessageContaining("undeclared reference to 'amout'");
        assertThatThrownBy(() -> cel("status > 3"))
                .hasMessageContaining("found no matching overload for '_>_' applied to '(string, int)'");
        assertThatThrownBy(() -> cel("amount + 1.0"))
                .hasMessageContaining("does not compile");
        assertThatThrownBy(() -> cel("status == 'A' &&"))
                .hasMessageContaining("does not compile");
    }
}
