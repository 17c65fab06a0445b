package io.meshspine.core.lineage;

import io.meshspine.core.contract.ServiceLevels;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

class SloStateTest {

    private static final ServiceLevels SLOS = new ServiceLevels(Optional.of(Duration.ofMinutes(15)), OptionalDouble.of(0.9));

    @Test
    void a_run_meets_the_slos_while_its_dead_letter_share_stays_within_completeness_and_a_batch_lands_within_freshness() {
        assertThat(SloState.of(SLOS, EventType.COMPLETE, new RunSummary(RunKind.FILE, 10, 9, 1), Duration.ofMinutes(1))).isEqualTo(SloState.MET);
        assertThat(SloState.of(SLOS, EventType.COMPLETE, new RunSummary(RunKind.FILE, 10, 8, 2), Duration.ofMinutes(1))).isEqualTo(SloState.MISSED);
        assertThat(SloState.of(SLOS, EventType.COMPLETE, new RunSummary(RunKind.COMMIT, 10, 10, 0), Duration.ofMinutes(16))).isEqualTo(SloState.MISSED);
        // A streaming run lasts as long as the service: its length says nothing about freshness.
        assertThat(SloState.of(SLOS, EventType.COMPLETE, new RunSummary(RunKind.CDC_STREAM, 10, 10, 0), Duration.ofHours(5))).isEqualTo(SloState.MET);
    }

    @Test
    void a_failed_run_misses_and_what_cannot_be_judged_is_unknown() {
        assertThat(SloState.of(SLOS, EventType.FAIL, new RunSummary(RunKind.FILE, 0, 0, 0), Duration.ZERO)).isEqualTo(SloState.MISSED);
        assertThat(SloState.of(SLOS, EventType.ABORT, new RunSummary(RunKind.COMMIT, 10, 0, 0), Duration.ZERO)).isEqualTo(SloState.UNKNOWN);
        assertThat(SloState.of(SLOS, EventType.COMPLETE, new RunSummary(RunKind.GATE, 0, 0, 0), Duration.ZERO)).isEqualTo(SloState.UNKNOWN);
        assertThat(SloState.of(ServiceLevels.NONE, EventType.FAIL, new RunSummary(RunKind.REPLAY, 3, 0, 3), Duration.ZERO)).isEqualTo(SloState.UNKNOWN);
    }
}
