package io.meshspine.ingest.file.internal;

import java.io.IOException;
import java.util.Arrays;

/**
 * Streams CSV records (RFC 4180: a delimiter, a quote character doubled inside quoted fields, quoted fields may span
 * lines) one at a time, keeping each record's raw text and the line it starts on. A record that does not parse is
 * returned with a {@link #problem()} and parsing carries on with the next line. Memory is bounded by the longest
 * record allowed.
 */
public final class CsvParser {

    private final LineReader lines;
    private final char delimiter;
    private final char quote;
    private final int maxChars;
    private String[] cells = new String[16];
    private int count;
    private long line;
    private String raw;
    private String problem;
    private boolean first = true;
    private final StringBuilder cell = new StringBuilder();

    public CsvParser(LineReader lines, char delimiter, char quote, int maxChars) {
        this.lines = lines;
        this.delimiter = delimiter;
        this.quote = quote;
        this.maxChars = maxChars;
    }

    /** Moves to the next record, skipping blank lines; false at the end. */
    public boolean next() throws IOException {
        String text;
        do {
            text = lines.next();
            if (text == null) {
                return false;
            }
            if (first) {
                first = false;
                if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
                    text = text.substring(1); // a byte-order mark is not part of the first column's name
                }
            }
        } while (text.isEmpty());
        line = lines.lineNumber();
        problem = lines.truncated() ? "line longer than " + maxChars + " characters" : null;
        count = 0;
        if (problem == null) {
            text = parse(text);
        }
        raw = text;
        return true;
    }

    /** Skips records until one that starts after {@code lastLine}; that one is current. False when none is left. */
    public boolean nextAfter(long lastLine) throws IOException {
        while (next()) {
            if (line > lastLine) {
                return true;
            }
        }
        return false;
    }

    /** Splits the record into cells; returns its full raw text (more than one line when a quoted field spans lines). */
    private String parse(String text) throws IOException {
        int i = 0;
        while (true) {
            int n = text.length();
            if (i < n && text.charAt(i) == quote) {
                cell.setLength(0);
                i++;
                while (true) {
                    int j = text.indexOf(quote, i);
                    if (j < 0) {
                        cell.append(text, i, text.length());
                        String more = lines.next();
                        if (more == null) {
                            problem = "a quoted field in column " + (count + 1) + " is not closed before the end of the file";
                            return text;
                        }
                        if (text.length() + 1 + more.length() > maxChars || lines.truncated()) {
                            problem = "record longer than " + maxChars + " characters (a quoted field in column " + (count + 1) + " is not closed?)";
                            return text;
                        }
                        cell.append('\n');
                        i = text.length() + 1;
                        text = text + "\n" + more;
                        continue;
                    }
                    if (j + 1 < text.length() && text.charAt(j + 1) == quote) {
                        cell.append(text, i, j + 1);
                        i = j + 2;
                        continue;
                    }
                    cell.append(text, i, j);
                    i = j + 1;
                    break;
                }
                add(cell.toString());
                n = text.length();
                if (i == n) {
                    return text;
                }
                if (text.charAt(i) != delimiter) {
                    problem = "unexpected text after the closing quote of column " + count;
                    return text;
                }
                i++;
            } else {
                int j = text.indexOf(delimiter, i);
                if (j < 0) {
                    add(text.substring(i));
                    return text;
                }
                add(text.substring(i, j));
                i = j + 1;
            }
        }
    }

    private void add(String value) {
        if (count == cells.length) {
            cells = Arrays.copyOf(cells, count * 2);
        }
        cells[count++] = value;
    }

    public long line() {
        return line;
    }

    public String raw() {
        return raw;
    }

    /** Why the current record does not parse, or null when it does. */
    public String problem() {
        return problem;
    }

    /** The cells of the current record; only the first {@link #count()} belong to it. */
    public String[] cells() {
        return cells;
    }

    public int count() {
        return count;
    }

    public java.util.List<String> cellList() {
        return java.util.List.of(Arrays.copyOf(cells, count));
    }
}
