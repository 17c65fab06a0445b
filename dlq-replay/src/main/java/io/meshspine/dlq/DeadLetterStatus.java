package io.meshspine.dlq;

/** Where a dead letter stands. Only {@link #ACTIVE} ones are in the queue; the others have left it (nothing is deleted). */
public enum DeadLetterStatus {
    /** Waiting for a steward (it may carry a repaired value not yet replayed). */
    ACTIVE,
    /** Published back to a raw topic; if it fails again the gate dead-letters it anew under a new id. */
    REPLAYED,
    /** Taken out of the queue by the loop guard or a steward; a copy of the envelope is on the parked topic. */
    PARKED,
    /** A steward decided nothing more is to be done, with a reason. */
    RESOLVED
}
