package io.meshspine.ingest.event;

/** What became of one input line. */
public sealed interface PublishResult permits PublishResult.Published, PublishResult.Rejected {

    /** 1-based line of the input. */
    long line();

    /** The record is in the raw topic (acknowledged by the broker), or would be on a dry run (partition -1). */
    record Published(long line, int partition, long offset) implements PublishResult {
    }

    /** The line does not fit the contract's schema; {@code message} names the field and why, never the value. */
    record Rejected(long line, String message) implements PublishResult {
        public String describe() {
            return "line " + line + ": " + message;
        }
    }
}
