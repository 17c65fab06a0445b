package io.meshspine.cli.status;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/** The status table as text: one row per product, red (or flagged) where an SLO is breached. */
final class StatusTable {

    private static final String RED = "\u001b[31m";
    private static final String RESET = "\u001b[0m";

    private StatusTable() {
    }

    static String render(List<ProductStatus> rows, Duration interval, boolean color) {
        String header = String.format("%-30s %9s %7s %9s %10s %18s %9s  %s", "product", "in/" + human(interval), "valid",
                "dlq", "dlq oldest", "freshness (SLO)", "lag", "SLO");
        StringBuilder out = new StringBuilder(header).append('\n');
        for (ProductStatus p : rows) {
            List<String> breaches = p.breaches();
            String freshness = p.freshness().map(StatusTable::human).orElse("-") + " (" + p.freshnessSlo().map(StatusTable::human).orElse("-") + ")";
            String line = String.format("%-30s %9.0f %7s %9s %10s %18s %9s  %s", p.product(), p.recordsIn(), percent(p.validShare()),
                    number(p.dlqDepth()), p.dlqOldest().map(StatusTable::human).orElse("-"), freshness, number(p.lag()),
                    breaches.isEmpty() ? "ok" : "BREACH: " + String.join("; ", breaches));
            out.append(color && !breaches.isEmpty() ? RED + line + RESET : line).append('\n');
        }
        return out.toString();
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        if (s < 172_800) {
            return s / 3600 + "h";
        }
        return s / 86_400 + "d";
    }

    private static String percent(OptionalDouble v) {
        return v.isPresent() ? String.format("%.1f%%", 100 * v.getAsDouble()) : "-";
    }

    private static String number(OptionalDouble v) {
        return v.isPresent() ? String.format("%.0f", v.getAsDouble()) : "-";
    }
}
