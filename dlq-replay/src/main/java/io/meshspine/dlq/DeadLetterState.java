package io.meshspine.dlq;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What stewards did to one dead letter, as kept in the compacted state topic under its id: the status, the repaired
 * value (when repaired), the replays so far, and the reason for the last change of status.
 */
public record DeadLetterState(String id, DeadLetterStatus status, Repair repair, List<Replay> replays, String reason,
                              String updatedBy, Instant updatedAt, Refusal refusal) {

    /** A value repaired by a merge patch, re-encoded with the contract's schema of the time. */
    public record Repair(byte[] value, String beforeSha256, String afterSha256, String patch, String by, Instant at) {
    }

    /** One publication back to a raw topic, by a replay job; {@code replayCount} is the header the record carried. */
    public record Replay(String job, String topic, int replayCount, boolean repaired, String by, Instant at) {
    }

    /**
     * The raw topic refused the value a replay published (too large, invalid): the job went on without it. A replay
     * skips it until its value changes (a repair clears the refusal).
     */
    public record Refusal(String topic, String reason, String valueSha256, String job, Instant at) {
    }

    public DeadLetterState {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        replays = List.copyOf(replays);
    }

    /** A dead letter nobody has touched. */
    public static DeadLetterState untouched(String id) {
        return new DeadLetterState(id, DeadLetterStatus.ACTIVE, null, List.of(), null, null, null, null);
    }

    public boolean isActive() {
        return status == DeadLetterStatus.ACTIVE;
    }

    /** Repaired, and the repaired value was dropped after its replay. */
    public boolean repairDropped() {
        return repair != null && repair.value() == null;
    }

    public boolean replayedBy(String job) {
        return replays.stream().anyMatch(r -> r.job().equals(job));
    }

    public DeadLetterState repaired(Repair repair) {
        return new DeadLetterState(id, status, repair, replays, reason, repair.by(), repair.at(), null);
    }

    /**
     * Replayed: the repaired value itself leaves the compacted state (only its hashes stay), so PII a repair carried
     * is not kept forever in {@code spine.dlq.state}; the record it became is on the raw topic, and back on the DLQ
     * if it fails again.
     */
    public DeadLetterState replayed(Replay replay) {
        List<Replay> all = new ArrayList<>(replays);
        all.add(replay);
        Repair kept = repair == null ? null : new Repair(null, repair.beforeSha256(), repair.afterSha256(), repair.patch(), repair.by(), repair.at());
        return new DeadLetterState(id, DeadLetterStatus.REPLAYED, kept, all, null, replay.by(), replay.at(), null);
    }

    public DeadLetterState refused(Refusal r) {
        return new DeadLetterState(id, status, repair, replays, reason, r.job(), r.at(), r);
    }

    public DeadLetterState moved(DeadLetterStatus to, String why, String by, Instant at) {
        return new DeadLetterState(id, to, repair, replays, why, by, at, refusal);
    }
}
