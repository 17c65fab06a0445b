package io.meshspine.cli.chaos;

import java.io.PrintStream;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/** The figures of a chaos run, as a table, and its verdict: passed only with nothing lost or duplicated and every fault recovered. */
final class ChaosReport {

    private ChaosReport() {
    }

    static boolean print(PrintStream out, ChaosCommand.ChaosPlan plan, List<ProductCheck> checks, List<Recovery> recoveries,
                         List<ServiceProcess> services, List<String> gaveUp, double seconds) {
        out.println();
        out.printf("%-26s %-6s %9s %9s %6s %6s %6s %6s  %s%n", "product", "lane", "expected", "silver", "lost", "dup", "extra", "diff",
                "dead letters distinct/sent by failure type");
        for (ProductCheck c : checks) {
            out.printf("%-26s %-6s %9d %9d %6d %6d %6d %6d  %s%n", c.contract(), c.lane(), c.expected(), c.silverRows(), c.lost(),
                    c.duplicated(), c.unexpected(), c.mismatched(), c.deadLettersText());
            c.examples().forEach(e -> out.printf("    %s%n", e));
        }
        out.println("  expected: rows Silver must hold (event/file: good records acknowledged; cdc: the table's rows now);"
                + " extra: keys Silver must not hold; diff: cdc rows whose columns differ from the database.");
        out.println();
        out.printf("%-4s %-14s %-9s %9s %14s %14s%n", "#", "fault", "target", "outage", "healthy after", "flowing after");
        for (Recovery r : recoveries) {
            out.printf("%-4d %-14s %-9s %9s %14s %14s%n", r.number(), r.fault(), r.target(), Recovery.seconds(r.outage()),
                    Recovery.seconds(r.healthy()), Recovery.seconds(r.flowing()));
        }
        Map<String, List<Recovery>> byFault = recoveries.stream().collect(Collectors.groupingBy(r -> r.fault().equals("kill -9") ? "kill -9 " + r.target() : r.fault(),
                java.util.TreeMap::new, Collectors.toList()));
        out.println();
        byFault.forEach((fault, rs) -> {
            DoubleSummaryStatistics healthy = rs.stream().map(Recovery::healthy).filter(Objects::nonNull).mapToDouble(d -> d.toMillis() / 1000.0).summaryStatistics();
            DoubleSummaryStatistics flowing = rs.stream().map(Recovery::flowing).filter(Objects::nonNull).mapToDouble(d -> d.toMillis() / 1000.0).summaryStatistics();
            out.printf("  %-22s x%-3d healthy %s   flowing %s%n", fault, rs.size(), range(healthy), range(flowing));
        });
        out.printf("  restarts: %s%n", services.stream().map(s -> s.service() + " " + (s.starts() - 1)).collect(Collectors.joining(", ")));

        long lost = checks.stream().mapToLong(ProductCheck::lost).sum();
        long duplicated = checks.stream().mapToLong(ProductCheck::duplicated).sum();
        long extra = checks.stream().mapToLong(ProductCheck::unexpected).sum();
        long diff = checks.stream().mapToLong(ProductCheck::mismatched).sum();
        long deadMissing = checks.stream().flatMap(c -> c.deadLetters().stream()).mapToLong(ProductCheck.DeadLetters::missing).sum();
        long deadExtra = checks.stream().flatMap(c -> c.deadLetters().stream()).mapToLong(ProductCheck.DeadLetters::extra).sum();
        long deadRepeated = checks.stream().flatMap(c -> c.deadLetters().stream()).mapToLong(ProductCheck.DeadLetters::repeated).sum();
        long unrecovered = recoveries.stream().filter(r -> !r.recovered()).count();
        boolean passed = lost == 0 && duplicated == 0 && extra == 0 && diff == 0 && deadMissing == 0 && deadExtra == 0 && deadRepeated == 0
                && unrecovered == 0 && gaveUp.isEmpty();
        out.println();
        out.printf("meshspine chaos %s in %.0f s: lost %d, duplicated %d, unexpected %d, differing %d; dead letters missing %d,"
                        + " unexpected %d, repeated %d; faults not recovered %d%s%n",
                passed ? "PASSED" : "FAILED", seconds, lost, duplicated, extra, diff, deadMissing, deadExtra, deadRepeated, unrecovered,
                gaveUp.isEmpty() ? "" : "; services that exited by themselves: " + String.join(", ", gaveUp));
        out.flush();
        return passed;
    }

    private static String range(DoubleSummaryStatistics s) {
        return s.getCount() == 0 ? "never" : String.format("%.1f-%.1f s (mean %.1f)", s.getMin(), s.getMax(), s.getAverage());
    }
}
