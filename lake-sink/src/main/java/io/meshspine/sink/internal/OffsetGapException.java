package io.meshspine.sink.internal;

/** A batch would continue a partition across an offset gap: it is not committed, and the partition is parked. */
public final class OffsetGapException extends RuntimeException {

    private final transient OffsetGap gap;

    public OffsetGapException(OffsetGap gap) {
        super(gap.describe());
        this.gap = gap;
    }

    public OffsetGap gap() {
        return gap;
    }
}
