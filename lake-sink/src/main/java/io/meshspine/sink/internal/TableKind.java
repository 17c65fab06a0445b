package io.meshspine.sink.internal;

/** What a Delta table holds, and so how a batch is written to it. */
public enum TableKind {
    /** Every raw record, good or bad, with its Kafka coordinates and bytes: append-only, replayable history. */
    BRONZE("bronze"),
    /** Each product record once: events. */
    SILVER_APPEND("silver-append"),
    /** The latest state per business key: copy-on-write of the files a batch touches. */
    SILVER_UPSERT("silver-upsert");

    private final String label;

    TableKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static TableKind fromLabel(String label) {
        for (TableKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown table kind " + label);
    }
}
