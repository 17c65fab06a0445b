package io.meshspine.dlq;

import io.meshspine.core.deadletter.FailureType;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the queue's index holds of one dead letter: its metadata and where it sits on the DLQ, never its payload
 * (fetched from the topic by partition and offset only when inspected, repaired or replayed). Enough to list, count
 * and filter by anything but the payload's fields.
 *
 * @param keySha256 SHA-256 of the original key as text (what {@code key=} compares with), null when it did not decode
 * @param refused   the reason the raw topic refused its last replay, or null
 * @param stage     the stage that dead-lettered it ({@code gate}, {@code backfill}, ...)
 */
public record QueueEntry(String id, int partition, long offset, FailureType failureType, String contract, String sourceTopic,
                         List<String> ruleIds, Instant deadLetteredAt, String correlationId, int replayCount, String message,
                         String keySha256, DeadLetterStatus status, boolean repaired, String refused, String stage) {

    public QueueEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(failureType, "failureType");
        Objects.requireNonNull(deadLetteredAt, "deadLetteredAt");
        Objects.requireNonNull(status, "status");
        ruleIds = List.copyOf(ruleIds);
    }

    /** The same dead letter after a state change read from {@code spine.dlq.state}. */
    public QueueEntry withState(DeadLetterState state) {
        return new QueueEntry(id, partition, offset, failureType, contract, sourceTopic, ruleIds, deadLetteredAt, correlationId,
                replayCount, message, keySha256, state.status(), state.repair() != null,
                state.refusal() == null ? null : state.refusal().reason(), stage);
    }
}
