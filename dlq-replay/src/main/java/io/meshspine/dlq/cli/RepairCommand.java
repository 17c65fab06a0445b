package io.meshspine.dlq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.DeadLetterFilter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq repair --patch <json>}: a JSON merge patch on the decoded value of every matching dead letter. */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Apply a JSON merge patch (RFC 7386) to the decoded value of every matching active dead letter, re-encoded "
                + "with its contract's current schema. The repaired value is kept for the next replay; the original stays on the DLQ.",
                "Example: spine dlq repair --contract payments.transactions --where currency=aud --patch '{\"currency\":\"AUD\"}'"})
final class RepairCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--patch", required = true, paramLabel = "<json>", description = "The merge patch, a JSON object.")
    String patch;

    @Option(names = "--all", description = "Allow a filter that selects the whole active queue.")
    boolean all;

    @Option(names = "--json", description = "The report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(patch);
        } catch (Exception e) {
            spec.commandLine().getErr().println("error: --patch is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            return DlqCommand.REFUSED;
        }
        return dlq.withWorkbench(spec, (bench, who) -> {
            DeadLetterFilter selection = filter.filter();
            selection.requireBounded("repair", all, "--all");
            ActionReport report = bench.repair(selection, parsed, who);
            DlqCommand.noteScope(spec, report.scope());
            Reports.print(report, json, spec.commandLine().getOut());
            return 0;
        });
    }
}
