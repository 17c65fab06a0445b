package io.meshspine.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The demo's live line: what the synthetic source sent and what the gate made of it, from the gate's own meters. */
final class DemoCounts {

    private final MeterRegistry meters;
    private final DemoTraffic traffic;

    DemoCounts(MeterRegistry meters, DemoTraffic traffic) {
        this.meters = meters;
        this.traffic = traffic;
    }

    String line() {
        double in = sum("spine.gate.records.in");
        double passed = sum("spine.gate.records.passed");
        double dead = sum("spine.gate.records.dead.lettered");
        double duplicates = sum("spine.gate.records.deduplicated");
        double warned = sum("spine.gate.records.warned");
        return String.format("  counts    sent %d | gate in %.0f  passed %.0f  dead-lettered %.0f  duplicates %.0f  warned %.0f  valid %.1f%%",
                traffic.sent(), in, passed, dead, duplicates, warned, in == 0 ? 0.0 : 100.0 * passed / Math.max(1, passed + dead));
    }

    /** Rows per Delta table, from the logs' file statistics (no data file is read). */
    String lakeLine(String lakeRoot) {
        java.util.Map<String, Long> rows;
        try {
            rows = io.meshspine.sink.LakeTables.rowCounts(lakeRoot, java.util.Map.of());
        } catch (RuntimeException e) {
            return "  lake      (not readable yet: " + e.getMessage() + ")";
        }
        if (rows.isEmpty()) {
            return "  lake      no table committed yet";
        }
        return "  lake      " + rows.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(java.util.stream.Collectors.joining(" | "));
    }

    private double sum(String name) {
        return meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }
}
