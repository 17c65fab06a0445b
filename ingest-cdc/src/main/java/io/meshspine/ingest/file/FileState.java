package io.meshspine.ingest.file;

/** A file's state in the ledger ({@code spine.ingest.files}, keyed by content hash). */
public enum FileState {
    /** Chunks are committed up to a line; a restart resumes after it. */
    IN_PROGRESS,
    /** Every row is in the raw topic or the DLQ; an identical file dropped again is skipped. */
    DONE,
    /** The file could not be read as its contract's records; it was moved to quarantine/. Dropping it again retries. */
    QUARANTINED
}
