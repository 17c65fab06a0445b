package io.meshspine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./spine cdc ...}: operating the CDC lane's captures. */
@Command(name = "cdc", mixinStandardHelpOptions = true, description = "Operate the CDC lane's captures.",
        subcommands = {CdcSnapshotCommand.class, CommandLine.HelpCommand.class})
public final class CdcCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
