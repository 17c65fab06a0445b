package io.meshspine.dlq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code spine dlq inspect <id>}: one dead letter in full, original decoded, PII masked unless --show-pii. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show one dead letter: failure, violated rules, headers, original key and value decoded, state, recheck, history.")
final class InspectCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<id>", description = "The dead letter's id, <topic>/<partition>/<offset> (see list).")
    String id;

    @Option(names = "--show-pii", description = "Show PII fields unmasked when your token's domains allow it (audited).")
    boolean showPii;

    @Option(names = "--json", description = "One line of JSON instead of indented JSON.")
    boolean json;

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            var found = bench.inspect(id, who, showPii);
            if (found.isEmpty()) {
                spec.commandLine().getErr().println("error: no dead letter " + id + " on the DLQ");
                return DlqCommand.REFUSED;
            }
            var out = spec.commandLine().getOut();
            out.println(json ? found.get().toString() : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(found.get()));
            out.flush();
            return 0;
        });
    }
}
