package io.meshspine.dlq.cli;

import io.meshspine.dlq.DlqSummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq summary}: counts by contract × failure type × rule, oldest and newest. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Count dead letters by contract, failure type and rule.")
final class SummaryCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--json", description = "The summary as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            DlqSummary s = bench.summary(filter.filter(), who);
            DlqCommand.noteScope(spec, s.scope());
            var out = spec.commandLine().getOut();
            if (json) {
                out.println(s.toJson());
            } else {
                Table table = new Table("CONTRACT", "FAILURE-TYPE", "RULE", "COUNT");
                s.rows().forEach(r -> table.row(r.contract(), r.failureType(), r.rule(), r.count()));
                table.print(out);
                out.println(s.total() + " dead letter(s)" + (s.total() == 0 ? "" : ", oldest " + s.oldest() + ", newest " + s.newest()));
            }
            out.flush();
            return 0;
        });
    }
}
