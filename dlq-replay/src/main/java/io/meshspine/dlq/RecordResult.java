package io.meshspine.dlq;

/** One dead letter's outcome in an action; {@code detail} explains it without any payload (rule ids, schema errors). */
public record RecordResult(String id, Outcome outcome, String detail) {
}
