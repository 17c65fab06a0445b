package io.meshspine.gate;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The raw-offset header written digit by digit must be the bytes the backfill's --replace parses: the string's. */
class PartitionAndOffsetTest {

    @Test
    void sameBytesAsTheString() {
        long[] offsets = {0, 1, 9, 10, 99, 100, 123_456_789, 999_999_999_999L, Long.MAX_VALUE};
        int[] partitions = {0, 1, 9, 10, 11, 255, Integer.MAX_VALUE};
        for (int p : partitions) {
            for (long o : offsets) {
                assertThat(ContractGate.partitionAndOffset(p, o)).isEqualTo((p + ":" + o).getBytes(StandardCharsets.UTF_8));
            }
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 10_000; i++) {
            int p = r.nextInt(0, 1 << r.nextInt(1, 31));
            long o = r.nextLong(0, 1L << r.nextInt(1, 63));
            assertThat(ContractGate.partitionAndOffset(p, o)).isEqualTo((p + ":" + o).getBytes(StandardCharsets.UTF_8));
        }
    }
}
