package io.meshspine.ingest.file.internal;

import io.meshspine.ingest.typing.RecordTyper;
import io.meshspine.ingest.typing.Typing;

import java.io.IOException;

/** JSON Lines: one JSON object per line, blank lines ignored. */
public final class JsonLinesRows implements RowSource {

    private final LineReader lines;
    private final RecordTyper typer;
    private final int maxChars;

    public JsonLinesRows(LineReader lines, RecordTyper typer, int maxChars) {
        this.lines = lines;
        this.typer = typer;
        this.maxChars = maxChars;
    }

    @Override
    public Row next() throws IOException {
        String text;
        do {
            text = lines.next();
            if (text == null) {
                return null;
            }
        } while (text.isBlank());
        if (lines.truncated()) {
            return new Row(lines.lineNumber(), text, new Typing.Untyped(null, 0, "line longer than " + maxChars + " characters"));
        }
        return new Row(lines.lineNumber(), text, typer.fromJsonText(text));
    }

    @Override
    public void skipThrough(long lastLine) throws IOException {
        while (lines.lineNumber() < lastLine && lines.next() != null) {
            // passing over committed lines
        }
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
