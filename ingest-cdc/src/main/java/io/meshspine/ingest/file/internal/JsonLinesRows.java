package io.meshspine.ingest.file.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.ingest.typing.RecordTyper;
import io.meshspine.ingest.typing.Typing;

import java.io.IOException;

/** JSON Lines: one JSON object per line, blank lines ignored. */
public final class JsonLinesRows implements RowSource {

    /** Decimals keep every digit they were written with: a double would round 0.1 before the decimal check sees it. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
        return new Row(lines.lineNumber(), text, typeLine(typer, text));
    }

    /** A line of JSON as a record of the typer's schema; a parse error names the column, never the text. */
    public static Typing typeLine(RecordTyper typer, String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            long column = e.getLocation() == null ? 0 : e.getLocation().getColumnNr();
            return new Typing.Untyped(null, 0, "not valid JSON" + (column > 0 ? " (at column " + column + ")" : ""));
        }
        return typer.fromJson(node);
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
