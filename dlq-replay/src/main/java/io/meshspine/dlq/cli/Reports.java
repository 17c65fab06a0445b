package io.meshspine.dlq.cli;

import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.RecordResult;

import java.io.PrintWriter;
import java.util.Locale;

/** How an action's report prints: counts by outcome, then (unless too many) each dead letter's outcome. */
final class Reports {

    private static final int DETAIL_LINES = 50;

    private Reports() {
    }

    static void print(ActionReport report, boolean json, PrintWriter out) {
        if (json) {
            out.println(report.toJson());
            out.flush();
            return;
        }
        out.println(report.action() + (report.dryRun() ? " (dry run)" : "") + (report.job() == null ? "" : " job " + report.job())
                + ": " + report.selected() + " selected");
        Table counts = new Table("OUTCOME", "COUNT");
        report.counts().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> counts.row(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue()));
        counts.print(out);
        if (!report.records().isEmpty() && report.records().size() <= DETAIL_LINES) {
            Table each = new Table("ID", "OUTCOME", "DETAIL");
            for (RecordResult r : report.records()) {
                each.row(r.id(), r.outcome().name().toLowerCase(Locale.ROOT), r.detail());
            }
            out.println();
            each.print(out);
        }
        out.flush();
    }
}
