package io.meshspine.dlq.cli;

import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.Steward;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** What park and resolve share: a filter, a required reason, the whole-queue guard, and the report. */
abstract class LeaveQueueCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--reason", required = true, paramLabel = "<why>", description = "Why (kept in the state and the audit).")
    String reason;

    @Option(names = "--all", description = "Allow a filter that selects the whole active queue.")
    boolean all;

    @Option(names = "--json", description = "The report as one JSON object.")
    boolean json;

    /** The workbench action: park or resolve. */
    abstract ActionReport leave(DlqWorkbench bench, DeadLetterFilter filter, String reason, Steward who);

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            DeadLetterFilter selection = filter.filter();
            selection.requireBounded(spec.name(), all, "--all");
            ActionReport report = leave(bench, selection, reason, who);
            DlqCommand.noteScope(spec, report.scope());
            Reports.print(report, json, spec.commandLine().getOut());
            return 0;
        });
    }
}
