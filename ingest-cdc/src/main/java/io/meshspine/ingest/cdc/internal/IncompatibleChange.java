package io.meshspine.ingest.cdc.internal;

/** A change the contract cannot absorb: its table's routing stops (the other tables of the database go on). */
final class IncompatibleChange extends Exception {

    final CdcMetrics.StopReason reason;

    IncompatibleChange(CdcMetrics.StopReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }
}
