package io.meshspine.sink.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Delta's string statistics: a 32-code-point prefix, a max that stays an upper bound, UTF-8 byte order. */
class StatValueTest {

    private static final String MAX_CODE_POINT = new String(Character.toChars(Character.MAX_CODE_POINT));

    @Test
    void a_long_string_is_cut_to_32_code_points_and_its_max_stays_above_every_string_with_that_prefix() {
        String longer = "x".repeat(31) + "\uD83D\uDE00" + "tail"; // the 32nd code point is an emoji (two UTF-16 units)
        assertThat(StatValue.truncate(longer, false)).isEqualTo("x".repeat(31) + "\uD83D\uDE00");
        String max = StatValue.truncate(longer, true);
        assertThat(max).isEqualTo("x".repeat(31) + "\uD83D\uDE00" + MAX_CODE_POINT);
        assertThat(new StatValue.Utf8Order(max).compareTo(new StatValue.Utf8Order(longer))).isPositive();
        assertThat(StatValue.truncate("short", true)).isEqualTo("short");
    }

    @Test
    void strings_compare_in_utf8_byte_order_not_in_utf16_order() {
        // U+FFFD sorts below an emoji in UTF-8 (EF.. < F0..), above it in UTF-16 (FFFD > D83D).
        assertThat(new StatValue.Utf8Order("\uFFFD").compareTo(new StatValue.Utf8Order("\uD83D\uDE00"))).isNegative();
        assertThat("\uFFFD".compareTo("\uD83D\uDE00")).isPositive();
    }

    @Test
    void decimals_compare_by_value_whatever_the_length_of_their_twos_complement_bytes() {
        long[] values = {-70_000, -129, -128, -1, 0, 1, 127, 128, 255, 70_000};
        for (long x : values) {
            for (long y : values) {
                byte[] a = java.math.BigInteger.valueOf(x).toByteArray();
                byte[] b = java.math.BigInteger.valueOf(y).toByteArray();
                byte[] padded = new byte[8];
                java.util.Arrays.fill(padded, 0, 8 - b.length, (byte) (y < 0 ? 0xFF : 0));
                System.arraycopy(b, 0, padded, 8 - b.length, b.length);
                assertThat(Integer.signum(FileStats.compareTwosComplement(a, 0, a.length, b, 0, b.length))).as("%d vs %d", x, y)
                        .isEqualTo(Long.signum(Long.compare(x, y)));
                assertThat(Integer.signum(FileStats.compareTwosComplement(a, 0, a.length, padded, 0, 8))).as("%d vs padded %d", x, y)
                        .isEqualTo(Long.signum(Long.compare(x, y)));
            }
        }
    }
}
