package io.meshspine.sink.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NewestChangeTest {

    private static SilverRows.KeyChange update(String sequence) {
        return new SilverRows.Change.Upsert(null, null, sequence);
    }

    private static SilverRows.KeyChange delete(String sequence) {
        return new SilverRows.Change.Delete(null, sequence);
    }

    @Test
    void an_older_change_of_the_same_log_does_not_replace_a_newer_one_not_even_a_delete() {
        assertThat(NewestChange.replaces(update("postgres:crm@00000000000000000300"), update("postgres:crm@00000000000000000200"))).isFalse();
        assertThat(NewestChange.replaces(delete("postgres:crm@00000000000000000320"), update("postgres:crm@00000000000000000290")))
                .as("a delete keeps its sequence: the key does not come back").isFalse();
        assertThat(NewestChange.replaces(update("postgres:crm@00000000000000000200"), delete("postgres:crm@00000000000000000300"))).isTrue();
    }

    @Test
    void without_comparable_sequences_or_for_the_same_change_again_the_later_arrival_wins() {
        assertThat(NewestChange.replaces(null, update("postgres:crm@00000000000000000001"))).isTrue();
        assertThat(NewestChange.replaces(update("postgres:crm@00000000000000000300"), update(null))).isTrue();
        assertThat(NewestChange.replaces(update("postgres:crm@00000000000000000300"), update("postgres:hr@00000000000000000001"))).isTrue();
        assertThat(NewestChange.replaces(update("postgres:crm@00000000000000000300"), update("postgres:crm@00000000000000000300"))).isTrue();
    }
}
