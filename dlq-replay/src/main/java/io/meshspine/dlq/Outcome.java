package io.meshspine.dlq;

/** What an action did, or in a dry run would do, to one dead letter. Reports count dead letters by outcome. */
public enum Outcome {
    /** Repair: the merge patch applied and the result re-encoded with the contract's current schema. */
    REPAIRED,
    /** Repair: the patched value does not fit the contract's schema; nothing changed. */
    PATCH_INVALID,
    /** Recheck: the current value passes the current contract. */
    PASSES,
    /** Recheck: the current value still fails the current contract (the detail names the rules or the schema problem). */
    FAILS,
    /** The value does not decode at all (not the wire format, unknown schema id, null). */
    UNDECODABLE,
    /** No contract known for the dead letter, so nothing can be decoded or checked against one. */
    NO_CONTRACT,
    /** Replay dry run: would be published, and would pass the gate as the contract stands. */
    WOULD_PASS,
    /** Replay dry run: would be published, and would come back to the DLQ (the detail says why). */
    WOULD_FAIL_AGAIN,
    /** Replay dry run: the loop guard would park it. */
    WOULD_PARK,
    /** Replay: published back to its raw topic in the same transaction as its new state. */
    REPLAYED,
    /** Park (or the loop guard): left the queue; the envelope is copied to the parked topic. */
    PARKED,
    /** Resolve: left the queue with a reason. */
    RESOLVED,
    /** Replay: the raw topic refused the record (too large, invalid); marked refused with the reason, the job went on. */
    REFUSED,
    /** Replay: a steward parked, resolved or replayed it while the job ran; their change stands. */
    CHANGED_MEANWHILE,
    /** Replay: already replayed (by this job, or by another without --force); not published again. */
    ALREADY_REPLAYED
}
