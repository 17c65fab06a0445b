package io.meshspine.dlq;

import io.meshspine.core.deadletter.DeadLetter;

/** A dead letter as the queue holds it: the envelope, where it sits on the DLQ, and what stewards did to it so far. */
public record QueuedDeadLetter(DeadLetter letter, int partition, long offset, DeadLetterState state) {

    public String id() {
        return letter.id();
    }

    public DeadLetterStatus status() {
        return state.status();
    }

    /** The value a replay would publish: the repaired one when there is one, else the original bytes. */
    public byte[] currentValue() {
        return state.repair() != null ? state.repair().value() : letter.original().value();
    }
}
