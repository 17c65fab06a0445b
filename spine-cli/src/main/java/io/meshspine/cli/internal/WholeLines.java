package io.meshspine.cli.internal;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Standard output (or error) whose every print, println and printf reaches the terminal or pipe in one write. {@code System.out}
 * flushes each fragment of a printf on its own, so a log line written to stderr meanwhile lands in the middle of a
 * banner line when both streams share a pipe (as under {@code 2>&1}, docker logs, or a test reading the output):
 * the banner's URLs then read as garbage. Here a call is formatted whole, buffered, and flushed once.
 */
public final class WholeLines extends PrintStream {

    WholeLines(OutputStream target) {
        super(new BufferedOutputStream(target, 1 << 16), false, StandardCharsets.UTF_8);
    }

    /** The process's standard output, one write per call. */
    public static PrintStream stdout() {
        return new WholeLines(System.out);
    }

    /** The process's standard error, one write per call. */
    public static PrintStream stderr() {
        return new WholeLines(System.err);
    }

    @Override
    public PrintStream format(String format, Object... args) {
        print(String.format(format, args));
        return this;
    }

    @Override
    public PrintStream format(Locale locale, String format, Object... args) {
        print(String.format(locale, format, args));
        return this;
    }

    /**
     * Every write flushes, as {@code System.out} does; a print or printf is one write because it reaches here once,
     * whole (format builds the string first; PrintStream encodes a string into one buffer before writing it).
     */
    @Override
    public void write(byte[] bytes, int offset, int length) {
        synchronized (this) {
            super.write(bytes, offset, length);
            flush();
        }
    }

    @Override
    public void write(int b) {
        synchronized (this) {
            super.write(b);
            flush();
        }
    }

    @Override
    public void println(String line) {
        print(line + System.lineSeparator());
    }

    @Override
    public void println(Object line) {
        println(String.valueOf(line));
    }

    @Override
    public void println() {
        print(System.lineSeparator());
    }
}
