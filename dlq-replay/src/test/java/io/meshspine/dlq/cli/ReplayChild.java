package io.meshspine.dlq.cli;

import picocli.CommandLine;

/** {@code spine dlq} in a JVM of its own, for the crash test to kill half-way through a replay. */
public final class ReplayChild {

    private ReplayChild() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DlqCommand()).execute(args));
    }
}
