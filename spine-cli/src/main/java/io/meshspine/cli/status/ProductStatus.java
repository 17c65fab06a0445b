package io.meshspine.cli.status;

import io.meshspine.core.contract.Contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One data product's state against its SLOs, from two scrapes of the services' metrics an interval apart and the age
 * of its Silver table's last Delta commit. A value nobody reports is unknown, not zero.
 */
public record ProductStatus(String product, double recordsIn, double passed, double deadLettered, OptionalDouble validShare,
                            OptionalDouble dlqDepth, Optional<Duration> dlqOldest, Optional<Duration> freshness,
                            OptionalDouble lag, Optional<Duration> freshnessSlo, OptionalDouble completenessSlo) {

    /** Why the product is out of its SLOs; empty when it is within them (or nothing says otherwise). */
    public List<String> breaches() {
        List<String> why = new ArrayList<>();
        if (freshnessSlo.isPresent() && freshness.isPresent() && freshness.get().compareTo(freshnessSlo.get()) > 0) {
            why.add("freshness " + StatusTable.human(freshness.get()) + " > SLO " + StatusTable.human(freshnessSlo.get()));
        }
        if (completenessSlo.isPresent() && validShare.isPresent() && validShare.getAsDouble() < completenessSlo.getAsDouble()) {
            why.add(String.format("valid %.1f%% < SLO %.1f%%", 100 * validShare.getAsDouble(), 100 * completenessSlo.getAsDouble()));
        }
        return why;
    }

    static ProductStatus of(Contract c, PrometheusText before, PrometheusText after, Optional<Duration> silverAge) {
        String product = c.qualifiedName();
        java.util.function.Predicate<Map<String, String>> mine = l -> product.equals(l.get("contract"));
        double in = delta(before, after, "spine_gate_records_in_total", mine);
        double passed = delta(before, after, "spine_gate_records_passed_total", mine);
        double dead = delta(before, after, "spine_gate_records_dead_lettered_total", mine);
        OptionalDouble valid = passed + dead > 0 ? OptionalDouble.of(passed / (passed + dead)) : present(after.max("spine_gate_quality_score", mine));
        OptionalDouble depth = present(after.sum("spine_dlq_depth", mine));
        Optional<Duration> oldest = seconds(after.max("spine_dlq_oldest_age_seconds", mine));
        String table = c.domain() + "/" + c.silverTable();
        Optional<Duration> freshness = seconds(after.max("spine_sink_freshness_seconds", l -> l.getOrDefault("table", "").endsWith(table)))
                .or(() -> silverAge);
        OptionalDouble lag = present(after.sum("spine_sink_lag_records", l -> l.getOrDefault("table", "").endsWith(table)));
        return new ProductStatus(product, in, passed, dead,
                valid, depth, oldest, freshness, lag, c.slos().freshness(), c.slos().completeness());
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, java.util.function.Predicate<Map<String, String>> where) {
        double a = after.sum(name, where);
        double b = before.sum(name, where);
        return Double.isNaN(a) ? 0 : a - (Double.isNaN(b) ? 0 : b);
    }

    private static OptionalDouble present(double v) {
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    private static Optional<Duration> seconds(double v) {
        return Double.isNaN(v) ? Optional.empty() : Optional.of(Duration.ofMillis((long) (v * 1000)));
    }
}
