package io.meshspine.core.lineage;

import io.meshspine.core.contract.ServiceLevels;

import java.time.Duration;

/**
 * Whether a run kept its contract's SLOs (the contract's {@code slaProperties}, the same targets {@code ./spine status}
 * and the alerts use), judged from the run alone: the run history's {@code slo_state} column.
 *
 * <ul>
 *   <li>{@link #MISSED}: the run failed (what it carried did not arrive); or it dead-lettered a larger share of what it
 *   read than {@code completeness} allows ({@code deadLettered / rowsIn > 1 - completeness}); or, for a batch run
 *   (file, snapshot, commit, backfill), it took longer than {@code freshness} (its data is older than the SLO by the
 *   time it lands).</li>
 *   <li>{@link #MET}: the run read something and none of the above holds.</li>
 *   <li>{@link #UNKNOWN}: the run's job has no contract SLO (a replay spans contracts; a contract without
 *   {@code slaProperties}), it read nothing, or it was aborted (another writer did its work).</li>
 * </ul>
 */
public enum SloState {
    MET, MISSED, UNKNOWN;

    public static SloState of(ServiceLevels slos, EventType type, RunSummary summary, Duration took) {
        if (slos == null || slos.freshness().isEmpty() && slos.completeness().isEmpty() || type == EventType.ABORT) {
            return UNKNOWN;
        }
        if (type == EventType.FAIL) {
            return MISSED;
        }
        if (summary == null || summary.rowsIn() <= 0) {
            return UNKNOWN;
        }
        if (slos.completeness().isPresent()
                && (double) summary.deadLettered() / summary.rowsIn() > 1 - slos.completeness().getAsDouble() + 1e-12) {
            return MISSED;
        }
        if (slos.freshness().isPresent() && !summary.kind().streaming() && took != null && took.compareTo(slos.freshness().get()) > 0) {
            return MISSED;
        }
        return MET;
    }
}
