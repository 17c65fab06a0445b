package io.meshspine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./spine}: the one entry point of meshspine. {@code main} only wires the commands. */
@Command(name = "spine",
        mixinStandardHelpOptions = true,
        versionProvider = SpineVersion.class,
        description = "meshspine: the event-driven ingestion and quality spine of a data-mesh lakehouse.",
        subcommands = {DemoCommand.class, io.meshspine.cli.run.RunCommand.class, ContractsCommand.class, BenchCommand.class, TailCommand.class,
                io.meshspine.dlq.cli.DlqCommand.class, io.meshspine.ingest.event.ProduceCommand.class,
                io.meshspine.cli.status.StatusCommand.class, io.meshspine.sink.LakeCommand.class, io.meshspine.cli.ops.OpsCommand.class,
                CdcCommand.class, io.meshspine.cli.privacy.PrivacyCommand.class, io.meshspine.sink.RunsCommand.class,
                io.meshspine.cli.chaos.ChaosCommand.class,
                CommandLine.HelpCommand.class})
public final class Spine implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Logging.chooseFormat(args, System.getenv(Logging.FORMAT_VARIABLE));
        Logging.routeEverythingThroughSlf4j();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Spine()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
