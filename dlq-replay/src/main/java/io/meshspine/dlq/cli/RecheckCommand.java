package io.meshspine.dlq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq recheck}: the current values against the current contracts, nothing changed. */
@Command(name = "recheck", mixinStandardHelpOptions = true,
        description = "Check the current value (repaired or original) of every matching dead letter against its contract as it "
                + "stands now, e.g. after a rule was fixed. Changes nothing.")
final class RecheckCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--json", description = "The report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            var report = bench.recheck(filter.filter(), who);
            DlqCommand.noteScope(spec, report.scope());
            Reports.print(report, json, spec.commandLine().getOut());
            return 0;
        });
    }
}
