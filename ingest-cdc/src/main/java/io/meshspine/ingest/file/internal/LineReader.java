package io.meshspine.ingest.file.internal;

import java.io.IOException;
import java.io.Reader;

/**
 * Physical lines of a text stream (ends: LF, CRLF, CR), numbered from 1, with a bound on a line's length so that a
 * file without line breaks cannot exhaust the heap: a longer line is cut at the bound and flagged, and the rest of it
 * is skipped. Unlike BufferedReader, it says how long the line really was.
 */
public final class LineReader implements AutoCloseable {

    private final Reader in;
    private final int maxChars;
    private final char[] buffer = new char[1 << 16];
    private int position;
    private int limit;
    private boolean eof;
    private long lineNumber;
    private boolean truncated;
    private final StringBuilder carry = new StringBuilder();

    public LineReader(Reader in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
    }

    /** The next line without its terminator, or null at the end. */
    public String next() throws IOException {
        carry.setLength(0);
        truncated = false;
        boolean any = false;
        while (true) {
            if (position >= limit) {
                if (eof || !fill()) {
                    if (!any) {
                        return null;
                    }
                    lineNumber++;
                    return carry.toString();
                }
            }
            any = true;
            int start = position;
            int i = start;
            while (i < limit) {
                char c = buffer[i];
                if (c == '\n' || c == '\r') {
                    String line = take(start, i);
                    position = i + 1;
                    if (c == '\r') {
                        skipLf();
                    }
                    lineNumber++;
                    return line;
                }
                i++;
            }
            append(start, limit);
            position = limit;
        }
    }

    /** The number of the line last returned. */
    public long lineNumber() {
        return lineNumber;
    }

    /** Whether the line last returned was cut at the bound. */
    public boolean truncated() {
        return truncated;
    }

    private String take(int start, int end) {
        if (carry.length() == 0 && end - start <= maxChars) {
            return new String(buffer, start, end - start);
        }
        append(start, end);
        return carry.toString();
    }

    private void append(int start, int end) {
        int room = maxChars - carry.length();
        if (end - start > room) {
            truncated = true;
            carry.append(buffer, start, Math.max(0, room));
        } else {
            carry.append(buffer, start, end - start);
        }
    }

    private void skipLf() throws IOException {
        if (position >= limit && !eof) {
            fill();
        }
        if (position < limit && buffer[position] == '\n') {
            position++;
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            eof = true;
            position = 0;
            limit = 0;
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
