package io.meshspine.dlq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq park --reason <why>}: the matching active dead letters leave the queue; nothing is deleted. */
@Command(name = "park", mixinStandardHelpOptions = true,
        description = "Take the matching active dead letters out of the queue, copying their envelopes to the parked topic.")
final class ParkCommand implements Callable<Integer> {

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

    @Override
    public Integer call() {
        if (!filter.narrows() && !all) {
            spec.commandLine().getErr().println("error: park without a filter would take the whole queue; narrow it or pass --all");
            return DlqCommand.REFUSED;
        }
        return dlq.withWorkbench(spec, bench -> {
            Reports.print(bench.park(filter.filter(), reason, dlq.operator()), json, spec.commandLine().getOut());
            return 0;
        });
    }
}
