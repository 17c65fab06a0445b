package io.meshspine.cli.internal;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WholeLinesTest {

    /** Every write that reaches the file descriptor, as text: what another writer on the same pipe can land between. */
    private static final class Writes extends OutputStream {
        final List<String> seen = new ArrayList<>();

        @Override
        public void write(int b) {
            seen.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            seen.add(new String(b, off, len, StandardCharsets.UTF_8));
        }
    }

    @Test
    void a_printf_reaches_the_pipe_in_one_write_where_an_autoflushing_stream_writes_it_in_fragments() {
        Writes fragmented = new Writes();
        new PrintStream(fragmented, true, StandardCharsets.UTF_8).printf("  ops       %s/metrics  %s/health%n", "http://127.0.0.1:1", "http://127.0.0.1:1");
        assertThat(fragmented.seen).hasSizeGreaterThan(1);

        Writes whole = new Writes();
        PrintStream out = new WholeLines(whole);
        out.printf("  ops       %s/metrics  %s/health%n", "http://127.0.0.1:1", "http://127.0.0.1:1");
        out.println("meshspine demo: stopping...");
        out.println();
        out.print("no newline yet");
        assertThat(whole.seen).containsExactly("  ops       http://127.0.0.1:1/metrics  http://127.0.0.1:1/health" + System.lineSeparator(),
                "meshspine demo: stopping..." + System.lineSeparator(), System.lineSeparator(), "no newline yet");
    }
}
