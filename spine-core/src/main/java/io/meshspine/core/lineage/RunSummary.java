package io.meshspine.core.lineage;

/** A run's counts: what it read, what it wrote, what it dead-lettered. */
public record RunSummary(RunKind kind, long rowsIn, long rowsOut, long deadLettered) {
}
