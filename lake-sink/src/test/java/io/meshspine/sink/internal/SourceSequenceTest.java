package io.meshspine.sink.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Source positions as sequences that sort in log order, and only compare within one log. */
class SourceSequenceTest {

    @Test
    void log_positions_sort_in_log_order_within_one_log_and_nothing_else_is_a_sequence() {
        String lsnSmall = SourceSequence.of("postgres:crm:999").orElseThrow();
        String lsnLarge = SourceSequence.of("postgres:crm:1000").orElseThrow();
        assertThat(SourceSequence.isAfter(lsnLarge, lsnSmall)).isTrue();
        assertThat(SourceSequence.isAfter(lsnSmall, lsnLarge)).isFalse();
        assertThat(SourceSequence.isAfter(lsnLarge, lsnLarge)).as("the same change again is not newer").isFalse();
        // An LSN above Long.MAX_VALUE still sorts last.
        assertThat(SourceSequence.isAfter(SourceSequence.of("postgres:crm:18446744073709551615").orElseThrow(), lsnLarge)).isTrue();

        // Binlog file number, then position, then row within the event; numeric, not by the string.
        String[] binlog = {"mariadb:acc:mysql-bin.000009:99999:7", "mariadb:acc:mysql-bin.000010:4:0", "mariadb:acc:mysql-bin.000010:4:1",
                "mariadb:acc:mysql-bin.000010:120:0", "mariadb:acc:mysql-bin.1000000:4:0"};
        for (int i = 1; i < binlog.length; i++) {
            assertThat(SourceSequence.isAfter(SourceSequence.of(binlog[i]).orElseThrow(), SourceSequence.of(binlog[i - 1]).orElseThrow()))
                    .as(binlog[i] + " after " + binlog[i - 1]).isTrue();
        }
        // A database name holding ':' stays part of the log's name.
        assertThat(SourceSequence.of("mariadb:a:b:mysql-bin.000001:4:0")).contains("mariadb:a:b/mysql-bin@0000000001:00000000000000000004:0000000000");

        // Different logs (another database, another binlog base name, another connector) are not ordered either way.
        String otherDb = SourceSequence.of("postgres:ledger:5").orElseThrow();
        assertThat(SourceSequence.isAfter(lsnLarge, otherDb)).isFalse();
        assertThat(SourceSequence.isAfter(otherDb, lsnLarge)).isFalse();
        String otherBase = SourceSequence.of("mariadb:acc:relay-bin.000001:4:0").orElseThrow();
        assertThat(SourceSequence.isAfter(otherBase, SourceSequence.of(binlog[0]).orElseThrow())).isFalse();
        assertThat(SourceSequence.isAfter(null, lsnSmall)).isFalse();
        assertThat(SourceSequence.isAfter(lsnSmall, null)).isFalse();

        // Positions that are not a database log's: file lanes, benchmarks, garbage.
        assertThat(SourceSequence.of("9f86d081884c7d65:17")).isEmpty();
        assertThat(SourceSequence.of("bench:payments-hub:12")).isEmpty();
        assertThat(SourceSequence.of("postgres:crm:not-a-number")).isEmpty();
        assertThat(SourceSequence.of("postgres:12")).isEmpty();
        assertThat(SourceSequence.of("mariadb:acc:nofile:4:0")).isEmpty();
        assertThat(SourceSequence.of("mariadb:acc:mysql-bin.000001:-4:0")).isEmpty();
    }

    @Test
    void just_after_a_sequence_comes_before_every_later_position_of_its_log() {
        for (String[] pair : new String[][]{{"postgres:crm:100", "postgres:crm:101"}, {"postgres:crm:99", "postgres:crm:1000"},
                {"mariadb:acc:mysql-bin.000009:99999:7", "mariadb:acc:mysql-bin.000009:99999:8"},
                {"mariadb:acc:mysql-bin.999999:4:0", "mariadb:acc:mysql-bin.1000000:4:0"}}) {
            String s = SourceSequence.of(pair[0]).orElseThrow();
            String next = SourceSequence.of(pair[1]).orElseThrow();
            String erased = SourceSequence.justAfter(s);
            assertThat(SourceSequence.isAfter(erased, s)).as("covers " + pair[0] + " itself").isTrue();
            assertThat(SourceSequence.isAfter(next, erased)).as(pair[1] + " is newer than the erasure of " + pair[0]).isTrue();
            assertThat(SourceSequence.sameLog(erased, s)).isTrue();
        }
    }
}
