package io.meshspine.dlq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq resolve --reason <why>}: the matching active dead letters leave the queue; nothing is deleted. */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = "Mark the matching active dead letters as dealt with; they leave the queue and stay on the DLQ.")
final class ResolveCommand implements Callable<Integer> {

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
            spec.commandLine().getErr().println("error: resolve without a filter would take the whole queue; narrow it or pass --all");
            return DlqCommand.REFUSED;
        }
        return dlq.withWorkbench(spec, bench -> {
            Reports.print(bench.resolve(filter.filter(), reason, dlq.operator()), json, spec.commandLine().getOut());
            return 0;
        });
    }
}
