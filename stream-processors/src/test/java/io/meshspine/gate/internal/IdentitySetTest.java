package io.meshspine.gate.internal;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The dedup set answers as a plain set of identities would, through growth, colliding slots and the all-zero identity. */
class IdentitySetTest {

    @Test
    void answersAsASetOfIdentities() {
        Random random = new Random(13);
        IdentitySet set = new IdentitySet(16);
        Set<List<Long>> expected = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            // A narrow range of halves makes identities repeat and share slots, as well as random ones.
            long hi = i % 3 == 0 ? random.nextInt(64) : random.nextLong();
            long lo = i % 3 == 0 ? random.nextInt(64) : random.nextLong();
            assertThat(set.contains(hi, lo)).isEqualTo(expected.contains(List.of(hi, lo)));
            assertThat(set.add(hi, lo)).isEqualTo(expected.add(List.of(hi, lo)));
            assertThat(set.contains(hi, lo)).isTrue();
            assertThat(set.size()).isEqualTo(expected.size());
        }
        for (List<Long> id : expected) {
            assertThat(set.contains(id.get(0), id.get(1))).isTrue();
        }
    }

    @Test
    void theAllZeroIdentityIsAnIdentityLikeAnyOther() {
        IdentitySet set = new IdentitySet();
        assertThat(set.contains(0, 0)).isFalse();
        assertThat(set.add(0, 1)).isTrue();
        assertThat(set.contains(0, 0)).isFalse();
        assertThat(set.add(0, 0)).isTrue();
        assertThat(set.add(0, 0)).isFalse();
        assertThat(set.contains(0, 0)).isTrue();
        assertThat(set.size()).isEqualTo(2);
        for (int i = 0; i < 5_000; i++) {
            set.add(i, 0);
        }
        assertThat(set.contains(0, 0)).isTrue();
        assertThat(set.contains(0, 1)).isTrue();
        assertThat(set.size()).isEqualTo(5_001);
    }
}
