package io.meshspine.core.contract;

import static io.meshspine.core.contract.Records.decimal;
import static io.meshspine.core.contract.Records.record;
import static io.meshspine.core.contract.Records.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class RuleSetTest {

    static final Schema SCHEMA = Records.schema("""
            {"type": "record", "name": "Sample", "namespace": "test", "fields": [
              {"name": "id", "type": "string"},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "count", "type": "int"},
              {"name": "big", "type": "long"},
              {"name": "ratio", "type": "double"},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}},
              {"name": "huge", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 4}},
              {"name": "fixed_amount", "type": {"type": "fixed", "name": "Money", "size": 8, "logicalType": "decimal", "precision": 18, "scale": 2}},
              {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C"]}},
              {"name": "at_micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "at_millis", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}], "default": null},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "blob", "type": ["null", "bytes"], "default": null}
            ]}""");

    static final Instant NOW = Instant.parse("2024-06-30T12:00:00Z");

    static GenericRecord valid() {
        return record(SCHEMA,
                "id", utf8("tx-1"), "count", 5, "big", 5L, "ratio", 0.5,
                "amount", decimal("10.00", 2), "huge", decimal("1.0000", 4), "fixed_amount", fixed("10.00"),
                "kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), "A"),
                "at_micros", micros(NOW), "day", (int) LocalDate.of(2024, 6, 30).toEpochDay());
    }

    static GenericData.Fixed fixed(String value) {
        Schema fixedSchema = SCHEMA.getField("fixed_amount").schema();
        return (GenericData.Fixed) new org.apache.avro.Conversions.DecimalConversion()
                .toFixed(new BigDecimal(value), fixedSchema, fixedSchema.getLogicalType());
    }

    static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
    }

    static RuleSet rules(QualityRule... rules) throws Exception {
        return RuleSet.compile(SCHEMA, List.of(rules));
    }

    static List<RuleViolation> eval(RuleSet rules, GenericRecord r) {
        return rules.evaluate(r, NOW);
    }

    static QualityRule.Range range(String field, String min, boolean minInc, String max, boolean maxInc) {
        return new QualityRule.Range("r", Severity.ERROR, field, Optional.ofNullable(min).map(BigDecimal::new), minInc,
                Optional.ofNullable(max).map(BigDecimal::new), maxInc, "");
    }

    // --- required -------------------------------------------------------------------------

    @Test
    void requiredPassesForAPresentValueAndFailsForNull() throws Exception {
        RuleSet rules = rules(new QualityRule.Required("note-required", Severity.ERROR, "note", false, ""));
        GenericRecord r = valid();
        assertThat(eval(rules, r)).singleElement().satisfies(v -> {
            assertThat(v.ruleId()).isEqualTo("note-required");
            assertThat(v.field()).isEqualTo("note");
            assertThat(v.message()).isEqualTo("note is required");
        });
        r.put("note", utf8("hello"));
        assertThat(eval(rules, r)).isEmpty();
    }

    @Test
    void requiredRejectsBlankStringsUnlessBlankIsAllowed() throws Exception {
        GenericRecord r = valid();
        r.put("note", utf8("   "));
        assertThat(eval(rules(new QualityRule.Required("r", Severity.ERROR, "note", false, "")), r))
                .extracting(RuleViolation::message).containsExactly("note must not be blank");
        assertThat(eval(rules(new QualityRule.Required("r", Severity.ERROR, "note", true, "")), r)).isEmpty();
    }

    // --- range ----------------------------------------------------------------------------

    @Test
    void exclusiveDecimalRangeRejectsBothBoundsAndAcceptsTheCentJustInside() throws Exception {
        RuleSet rules = rules(range("amount", "0", false, "1000000", false));
        GenericRecord r = valid();
        for (String ok : List.of("0.01", "999999.99", "10")) {
            r.put("amount", decimal(ok, 2));
            assertThat(eval(rules, r)).as(ok).isEmpty();
        }
        for (String bad : List.of("0", "-0.01", "1000000", "1000000.01", "-5000")) {
            r.put("amount", decimal(bad, 2));
            assertThat(eval(rules, r)).as(bad).extracting(RuleViolation::message)
                    .containsExactly("amount must be > 0 and < 1000000");
        }
    }

    @Test
    void inclusiveRangeAcceptsItsBounds() throws Exception {
        RuleSet rules = rules(range("count", "1", true, "10", true));
        GenericRecord r = valid();
        r.put("count", 1);
        assertThat(eval(rules, r)).isEmpty();
        r.put("count", 10);
        assertThat(eval(rules, r)).isEmpty();
        r.put("count", 0);
        assertThat(eval(rules, r)).hasSize(1);
        r.put("count", 11);
        assertThat(eval(rules, r)).hasSize(1);
    }

    @Test
    void rangeWithAFractionalBoundOnALongComparesExactly() throws Exception {
        RuleSet rules = rules(range("big", "0.5", true, null, true));
        GenericRecord r = valid();
        r.put("big", 0L);
        assertThat(eval(rules, r)).hasSize(1);
        r.put("big", 1L);
        assertThat(eval(rules, r)).isEmpty();
    }

    @Test
    void rangeOnDoubleTreatsNaNAsOutOfRange() throws Exception {
        RuleSet rules = rules(range("ratio", "0", true, "1", true));
        GenericRecord r = valid();
        r.put("ratio", 1.0);
        assertThat(eval(rules, r)).isEmpty();
        r.put("ratio", 1.0000001);
        assertThat(eval(rules, r)).hasSize(1);
        r.put("ratio", Double.NaN);
        assertThat(eval(rules, r)).hasSize(1);
    }

    @Test
    void rangeReadsFixedDecimalsBigDecimalsAndDecimalsWiderThanALong() throws Exception {
        GenericRecord r = valid();
        r.put("fixed_amount", fixed("-1.00"));
        assertThat(eval(rules(range("fixed_amount", "0", true, null, true)), r)).hasSize(1);
        r.put("fixed_amount", fixed("0.00"));
        assertThat(eval(rules(range("fixed_amount", "0", true, null, true)), r)).isEmpty();

        // a reader with logical-type conversions hands over BigDecimal instead of bytes
        r.put("amount", new BigDecimal("0.00"));
        assertThat(eval(rules(range("amount", "0", false, null, true)), r)).hasSize(1);

        // 30 digits do not fit a long: the BigDecimal path must still compare correctly
        r.put("huge", decimal("12345678901234567890123456.0000", 4));
        assertThat(eval(rules(range("huge", null, true, "1e25", true)), r)).hasSize(1);
        assertThat(eval(rules(range("huge", null, true, "1e26", true)), r)).isEmpty();
    }

    @Test
    void nullPassesEveryRuleButRequired() throws Exception {
        RuleSet rules = rules(
                new QualityRule.Regex("re", Severity.ERROR, "note", Pattern.compile("x+"), ""),
                new QualityRule.MaxLength("len", Severity.ERROR, "note", 1, ""),
                new QualityRule.AllowedValues("in", Severity.ERROR, "note", List.of("x"), ""),
                new QualityRule.NotInFuture("nif", Severity.ERROR, "at_millis", Duration.ZERO, ""),
                new QualityRule.MaxLength("blob", Severity.ERROR, "blob", 1, ""));
        assertThat(eval(rules, valid())).isEmpty();
    }

    // --- regex, allowed values, max length --------------------------------------------------

    @Test
    void regexMustMatchTheWholeValueWhetherUtf8OrString() throws Exception {
        RuleSet rules = rules(new QualityRule.Regex("postcode", Severity.ERROR, "id", Pattern.compile("\\d{4}"), ""));
        GenericRecord r = valid();
        r.put("id", utf8("2000"));
        assertThat(eval(rules, r)).isEmpty();
        r.put("id", "2000");
        assertThat(eval(rules, r)).isEmpty();
        r.put("id", utf8("20001"));
        assertThat(eval(rules, r)).extracting(RuleViolation::message).containsExactly("id does not match \\d{4}");
    }

    @Test
    void allowedValuesWorkOnStringsEnumsAndIntegers() throws Exception {
        GenericRecord r = valid();
        RuleSet states = rules(new QualityRule.AllowedValues("state", Severity.ERROR, "id", List.of("NSW", "VIC"), ""));
        r.put("id", utf8("VIC"));
        assertThat(eval(states, r)).isEmpty();
        r.put("id", utf8("vic"));
        assertThat(eval(states, r)).hasSize(1);

        RuleSet kinds = rules(new QualityRule.AllowedValues("kind", Severity.ERROR, "kind", List.of("A", "B"), ""));
        r.put("kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), "C"));
        assertThat(eval(kinds, r)).hasSize(1);

        RuleSet counts = rules(new QualityRule.AllowedValues("count", Severity.ERROR, "count", List.of("1", "2", "3"), ""));
        r.put("count", 3);
        assertThat(eval(counts, r)).isEmpty();
        r.put("count", 4);
        assertThat(eval(counts, r)).hasSize(1);
    }

    @Test
    void maxLengthCountsCharactersNotUtf8Bytes() throws Exception {
        RuleSet rules = rules(new QualityRule.MaxLength("len", Severity.WARN, "id", 4, ""));
        GenericRecord r = valid();
        r.put("id", utf8("Zoë€")); // 4 characters, 7 UTF-8 bytes
        assertThat(eval(rules, r)).isEmpty();
        r.put("id", utf8("Zoë€s"));
        assertThat(eval(rules, r)).singleElement().satisfies(v -> {
            assertThat(v.severity()).isEqualTo(Severity.WARN);
            assertThat(v.message()).isEqualTo("id is longer than 4 characters");
        });
    }

    // --- not in future ----------------------------------------------------------------------

    @Test
    void timestampMayNotBeLaterThanNowPlusTheSkew() throws Exception {
        RuleSet rules = rules(new QualityRule.NotInFuture("nif", Severity.ERROR, "at_micros", Duration.ofMinutes(5), ""));
        GenericRecord r = valid();
        r.put("at_micros", micros(NOW.plus(Duration.ofMinutes(5))));
        assertThat(eval(rules, r)).isEmpty();
        r.put("at_micros", micros(NOW.plus(Duration.ofMinutes(5))) + 1);
        assertThat(eval(rules, r)).extracting(RuleViolation::message)
                .containsExactly("at_micros is in the future (allowed clock skew PT5M)");
    }

    @Test
    void timestampMillisAndInstantsAreReadInTheirOwnUnits() throws Exception {
        RuleSet rules = rules(new QualityRule.NotInFuture("nif", Severity.ERROR, "at_millis", Duration.ZERO, ""));
        GenericRecord r = valid();
        r.put("at_millis", NOW.toEpochMilli());
        assertThat(eval(rules, r)).isEmpty();
        r.put("at_millis", NOW.toEpochMilli() + 1);
        assertThat(eval(rules, r)).hasSize(1);
        r.put("at_millis", NOW.minusSeconds(1)); // conversions registered: an Instant
        assertThat(eval(rules, r)).isEmpty();
    }

    @Test
    void aDateIsValidThroughoutTodayButNotTomorrow() throws Exception {
        RuleSet rules = rules(new QualityRule.NotInFuture("nif", Severity.ERROR, "day", Duration.ZERO, ""));
        GenericRecord r = valid();
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        r.put("day", (int) today.toEpochDay());
        assertThat(eval(rules, r)).isEmpty();
        r.put("day", (int) today.plusDays(1).toEpochDay());
        assertThat(eval(rules, r)).hasSize(1);
        r.put("day", today.plusDays(1)); // LocalDate from a converting reader
        assertThat(eval(rules, r)).hasSize(1);
        // at 23:59 UTC with a two-minute skew, tomorrow is allowed
        Instant lateEvening = today.atTime(23, 59).toInstant(ZoneOffset.UTC);
        RuleSet skewed = rules(new QualityRule.NotInFuture("nif", Severity.ERROR, "day", Duration.ofMinutes(2), ""));
        assertThat(skewed.evaluate(r, lateEvening)).isEmpty();
    }

    @Test
    void theRuleSetClockDecidesNowWhenNoneIsGiven() throws Exception {
        RuleSet rules = rules(new QualityRule.NotInFuture("nif", Severity.ERROR, "at_micros", Duration.ZERO, ""));
        GenericRecord r = valid();
        r.put("at_micros", micros(NOW));
        assertThat(rules.withClock(java.time.Clock.fixed(NOW.minusSeconds(1), ZoneOffset.UTC)).evaluate(r)).hasSize(1);
        assertThat(rules.withClock(java.time.Clock.fixed(NOW, ZoneOffset.UTC)).evaluate(r)).isEmpty();
    }

    // --- the set as a whole -----------------------------------------------------------------

    @Test
    void everyViolatedRuleIsReportedInDeclarationOrder() throws Exception {
        RuleSet rules = rules(
                new QualityRule.Required("note-required", Severity.ERROR, "note", false, ""),
                range("count", "0", true, "3", true),
                new QualityRule.Regex("id-format", Severity.WARN, "id", Pattern.compile("tx-\\d+"), ""),
                new QualityRule.MaxLength("id-length", Severity.WARN, "id", 2, ""));
        GenericRecord r = valid();
        r.put("id", utf8("nope"));
        List<RuleViolation> violations = eval(rules, r);
        assertThat(violations).extracting(RuleViolation::ruleId)
                .containsExactly("note-required", "r", "id-format", "id-length");
        assertThat(RuleViolation.anyError(violations)).isTrue();
        assertThat(RuleViolation.anyError(violations.subList(2, 4))).isFalse();
    }

    @Test
    void messagesNeverCarryTheValue() throws Exception {
        RuleSet rules = rules(new QualityRule.Regex("email", Severity.ERROR, "id", Pattern.compile("[^@]+@[^@]+"), ""));
        GenericRecord r = valid();
        r.put("id", utf8("jane.citizen.example.com"));
        assertThat(eval(rules, r)).singleElement().extracting(RuleViolation::message).asString()
                .doesNotContain("jane");
    }

    @Test
    void aValueOfTheWrongJavaTypeIsAViolationNotAnException() throws Exception {
        RuleSet rules = rules(range("count", "0", true, null, true),
                new QualityRule.Regex("re", Severity.ERROR, "id", Pattern.compile(".*"), ""));
        GenericRecord r = valid();
        r.put("count", "seven");
        r.put("id", 42);
        assertThat(eval(rules, r)).extracting(RuleViolation::message).containsExactly(
                "rule could not be evaluated: expected int but found a String",
                "rule could not be evaluated: expected a string but found a Integer");
    }

    @Test
    void recordsOfAnotherSchemaInstanceAreReadByFieldName() throws Exception {
        Schema writer = Records.schema("""
                {"type": "record", "name": "Other", "fields": [
                  {"name": "extra", "type": "string"}, {"name": "count", "type": "int"}]}""");
        RuleSet rules = rules(range("count", "0", true, "3", true));
        assertThat(rules.evaluate(record(writer, "extra", utf8("x"), "count", 9), NOW)).hasSize(1);
        assertThat(rules.evaluate(record(writer, "extra", utf8("x"), "count", 2), NOW)).isEmpty();
    }

    @Test
    void passingRecordsShareOneEmptyList() throws Exception {
        RuleSet rules = rules(range("count", "0", true, null, true));
        assertThat(eval(rules, valid())).isSameAs(List.of());
    }

    // --- type checks at compile time -------------------------------------------------------

    @Test
    void rulesThatDoNotFitTheirFieldAreRefusedAtCompileTime() {
        assertThatThrownBy(() -> rules(range("id", "0", true, null, true)))
                .isInstanceOf(RuleSet.InvalidRuleException.class)
                .hasMessage("range rule 'r' needs a number (int, long, float, double or decimal), but field 'id' is string");
        assertThatThrownBy(() -> rules(new QualityRule.Regex("re", Severity.ERROR, "count", Pattern.compile("x"), "")))
                .hasMessageContaining("needs a string or enum, but field 'count' is int");
        assertThatThrownBy(() -> rules(new QualityRule.NotInFuture("nif", Severity.ERROR, "big", Duration.ZERO, "")))
                .hasMessageContaining("needs a date or timestamp, but field 'big' is long");
        assertThatThrownBy(() -> rules(new QualityRule.AllowedValues("in", Severity.ERROR, "kind", List.of("A", "Z"), "")))
                .hasMessageContaining("[Z], which are not symbols of enum test.Kind");
        assertThatThrownBy(() -> rules(new QualityRule.AllowedValues("in", Severity.ERROR, "count", List.of("one"), "")))
                .hasMessageContaining("'one', which is not an integer");
        assertThatThrownBy(() -> rules(new QualityRule.Required("req", Severity.ERROR, "nope", false, "")))
                .isInstanceOfSatisfying(RuleSet.InvalidRuleException.class, e -> {
                    assertThat(e.field()).isEqualTo("nope");
                    assertThat(e.ruleId()).isEqualTo("req");
                });
    }
}
