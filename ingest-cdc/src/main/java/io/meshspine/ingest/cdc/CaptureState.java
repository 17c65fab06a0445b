package io.meshspine.ingest.cdc;

/** Where one table's capture is. Changed in one place ({@code TableRoute}), and logged on every change. */
public enum CaptureState {
    /** The engine is starting: connecting, recovering schema history, or taking the snapshot. */
    STARTING,
    /** Changes flow to the raw topic. */
    RUNNING,
    /**
     * A transient fault (the broker, or the database, not answering) stopped the engine; it is started again with
     * back-off, as long as the fault lasts. Nothing is skipped: the changes wait in the database's log, and the engine
     * resumes from its stored position. The detail names the cause and the next attempt.
     */
    RETRYING,
    /**
     * The table changed in a way the contract's schema cannot absorb (a required column dropped, a type the contract
     * cannot read): nothing after that change was published, and its offset was not committed, so a restart after
     * the contract (or the table) is fixed resumes exactly there.
     */
    STOPPED_INCOMPATIBLE,
    /** The engine failed (connection refused past its retries, a bug): see the ERROR log naming the contract. */
    FAILED,
    /** Closed on request. */
    STOPPED;

    public boolean isStopped() {
        return this != STARTING && this != RUNNING && this != RETRYING;
    }
}
