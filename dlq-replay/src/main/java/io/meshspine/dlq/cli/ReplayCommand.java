package io.meshspine.dlq.cli;

import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.ReplayRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code spine dlq replay}: a dry run unless {@code --execute}; exactly once per dead letter and job, resumable. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Publish the matching active dead letters (their repaired value when repaired) back to their raw topic with "
                + "spine.replay-of and an incremented spine.replay-count, so they pass the gate again.",
                "A dry run by default: it shows what would happen, counted by outcome. --execute publishes.",
                "Resumable: run the same command again after an interruption and it publishes only what is left (each dead "
                        + "letter once per job). The loop guard parks records whose replay count would reach --max-replay-count."})
final class ReplayCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FilterOptions filter;

    @Option(names = "--execute", description = "Publish for real (default: dry run).")
    boolean execute;

    @Option(names = "--to-topic", paramLabel = "<topic>", description = "Publish to this topic; it must be the raw topic of the dead letters' own contract (anything else is refused).")
    String target;

    @Option(names = "--max", paramLabel = "<n>", defaultValue = "0", description = "At most n dead letters (0: no limit).")
    int max;

    @Option(names = "--rate", paramLabel = "<records/s>", defaultValue = "0", description = "Publication rate limit (0: none).")
    double rate;

    @Option(names = "--force", description = "Also replay dead letters another job replayed already.")
    boolean force;

    @Option(names = "--job", paramLabel = "<id>", description = "The job id (default: derived from the filter and options, so the "
            + "same command resumes the same job).")
    String job;

    @Option(names = "--all", description = "Allow a filter that selects the whole active queue.")
    boolean all;

    @Option(names = "--json", description = "The report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        return dlq.withWorkbench(spec, (bench, who) -> {
            ReplayRequest request = new ReplayRequest(filter.filter(), !execute, target, max, rate, force, job);
            if (execute) {
                request.filter().requireBounded("replay", all, "--all");
            }
            var err = spec.commandLine().getErr();
            long[] lastPrint = {0};
            ActionReport report = bench.replay(request, who, (done, total) -> {
                if (System.nanoTime() - lastPrint[0] > 1_000_000_000L || done == total) {
                    err.println("replay: " + done + "/" + total + " committed");
                    err.flush();
                    lastPrint[0] = System.nanoTime();
                }
            });
            DlqCommand.noteScope(spec, report.scope());
            Reports.print(report, json, spec.commandLine().getOut());
            if (report.dryRun() && !json) {
                spec.commandLine().getOut().println("dry run: nothing was published; add --execute to replay");
                spec.commandLine().getOut().flush();
            }
            return 0;
        });
    }
}
