package io.meshspine.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class SpineHelpTest {

    @Test
    void help_lists_every_command_and_exits_0() {
        CommandLine cli = Spine.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute("--help");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Usage: spine").contains("demo");
        cli.getSubcommands().keySet().forEach(name -> assertThat(out.toString()).contains(name));
    }

    @Test
    void an_unknown_command_is_refused_with_a_usage_error() {
        CommandLine cli = Spine.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("no-such-command");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("no-such-command");
    }
}
