package io.meshspine.core.lineage;

import io.meshspine.core.contract.ConfigValue;

/** What kind of unit of work a run is: the run history's {@code kind} column and the job type's {@code jobType}. */
public enum RunKind implements ConfigValue {
    /** One dropped file through the file lane. */
    FILE,
    /** A CDC capture's initial or on-demand snapshot. */
    CDC_SNAPSHOT,
    /** A CDC capture's streaming changes over one interval. */
    CDC_STREAM,
    /** The contract gate over one contract and interval. */
    GATE,
    /** One Delta commit of the lake sink. */
    COMMIT,
    /** One replay of dead letters by a steward. */
    REPLAY,
    /** One backfill of a table from a topic. */
    BACKFILL;

    public boolean streaming() {
        return this == CDC_STREAM || this == GATE;
    }
}
