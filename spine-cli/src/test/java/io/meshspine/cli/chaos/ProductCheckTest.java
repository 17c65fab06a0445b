package io.meshspine.cli.chaos;

import io.meshspine.core.deadletter.FailureType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The end-of-run verdict on one product: every way Silver or the DLQ can be wrong is counted, and fails the run. */
class ProductCheckTest {

    private static final Map<FailureType, Long> SENT = Map.of(FailureType.RULE, 2L, FailureType.DESERIALIZATION, 1L);
    private static final Map<FailureType, DeadLetterTally.Count> DEAD = Map.of(FailureType.RULE, new DeadLetterTally.Count(2, 2),
            FailureType.DESERIALIZATION, new DeadLetterTally.Count(1, 1));

    @Test
    void silver_equal_to_the_source_with_every_bad_record_dead_lettered_once_passes() {
        ProductCheck c = ProductCheck.of("crm.customers", "cdc", Map.of("A", "NSW|RETAIL", "B", "VIC|PRIVATE"),
                List.of(List.of("B", "VIC", "PRIVATE"), List.of("A", "NSW", "RETAIL")), SENT, DEAD);
        assertThat(c.passed()).isTrue();
        assertThat(c.caughtUp()).isTrue();
        assertThat(c.expected()).isEqualTo(2);
        assertThat(c.silverRows()).isEqualTo(2);
        assertThat(c.deadLettersText()).isEqualTo("DESERIALIZATION 1/1, RULE 2/2");
    }

    @Test
    void a_lost_row_a_duplicate_a_stale_row_and_a_differing_row_are_each_counted() {
        ProductCheck c = ProductCheck.of("crm.customers", "cdc", Map.of("A", "NSW|RETAIL", "B", "VIC|PRIVATE", "C", "SA|RETAIL", "D", "WA|RETAIL"),
                List.of(List.of("A", "NSW", "RETAIL"), List.of("A", "NSW", "RETAIL"), List.of("B", "QLD", "PRIVATE"), List.of("D", "WA", "RETAIL"),
                        List.of("Z", "ACT", "RETAIL")), SENT, DEAD);
        assertThat(c.lost()).isEqualTo(1);
        assertThat(c.duplicated()).isEqualTo(1);
        assertThat(c.unexpected()).isEqualTo(1);
        assertThat(c.mismatched()).isEqualTo(1);
        assertThat(c.examples()).contains("lost C", "unexpected Z = ACT|RETAIL", "mismatch B: source VIC|PRIVATE, silver QLD|PRIVATE");
        assertThat(c.passed()).isFalse();
        assertThat(c.caughtUp()).isFalse();
    }

    @Test
    void a_missing_a_repeated_and_an_unexpected_dead_letter_fail_the_check() {
        Map<String, String> rows = Map.of("A", "");
        List<List<String>> silver = List.of(List.of("A"));
        ProductCheck missing = ProductCheck.of("p", "event", rows, silver, SENT, Map.of(FailureType.RULE, new DeadLetterTally.Count(1, 1),
                FailureType.DESERIALIZATION, new DeadLetterTally.Count(1, 1)));
        ProductCheck repeated = ProductCheck.of("p", "event", rows, silver, SENT, Map.of(FailureType.RULE, new DeadLetterTally.Count(3, 2),
                FailureType.DESERIALIZATION, new DeadLetterTally.Count(1, 1)));
        ProductCheck unexpected = ProductCheck.of("p", "event", rows, silver, SENT, Map.of(FailureType.RULE, new DeadLetterTally.Count(2, 2),
                FailureType.DESERIALIZATION, new DeadLetterTally.Count(1, 1), FailureType.SINK, new DeadLetterTally.Count(1, 1)));

        assertThat(missing.passed()).isFalse();
        assertThat(missing.caughtUp()).isFalse();
        assertThat(missing.deadLetters()).filteredOn(d -> d.type() == FailureType.RULE).singleElement()
                .satisfies(d -> assertThat(d.missing()).isEqualTo(1));
        assertThat(repeated.passed()).isFalse();
        assertThat(repeated.deadLettersText()).contains("RULE 2/2 (+1 repeated)");
        assertThat(unexpected.passed()).isFalse();
        assertThat(unexpected.deadLetters()).filteredOn(d -> d.type() == FailureType.SINK).singleElement()
                .satisfies(d -> assertThat(d.extra()).isEqualTo(1));
    }
}
