package io.meshspine.core.lineage;

/** An OpenLineage run's transition: one START, any number of RUNNING, then one of COMPLETE, ABORT or FAIL. */
public enum EventType {
    START, RUNNING, COMPLETE, ABORT, FAIL, OTHER;

    /** COMPLETE, ABORT and FAIL end a run; nothing follows them for the same run id. */
    public boolean terminal() {
        return this == COMPLETE || this == ABORT || this == FAIL;
    }
}
