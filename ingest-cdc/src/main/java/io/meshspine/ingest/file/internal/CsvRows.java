package io.meshspine.ingest.file.internal;

import io.meshspine.core.contract.CsvOptions;
import io.meshspine.ingest.typing.RecordTyper;
import io.meshspine.ingest.typing.Typing;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** CSV rows of a file, its header (when the contract says there is one) mapped to the schema's fields. */
public final class CsvRows implements RowSource {

    private final LineReader lines;
    private final CsvParser parser;
    private final RecordTyper.Columns columns;
    private boolean pending;

    private CsvRows(LineReader lines, CsvParser parser, RecordTyper.Columns columns) {
        this.lines = lines;
        this.parser = parser;
        this.columns = columns;
    }

    /** Reads the header (if any) and checks it against the schema: the file's problems, or a row source. */
    public static Opened open(LineReader lines, CsvOptions csv, RecordTyper typer, int maxChars) throws IOException {
        CsvParser parser = new CsvParser(lines, csv.delimiter(), csv.quote(), maxChars);
        Optional<List<String>> header = Optional.empty();
        if (csv.header()) {
            if (!parser.next()) {
                return new Opened(null, List.of("the file is empty: no header line"));
            }
            if (parser.problem() != null) {
                return new Opened(null, List.of("the header line does not parse: " + parser.problem()));
            }
            header = Optional.of(parser.cellList());
        }
        RecordTyper.Columns columns = typer.columns(header);
        if (!columns.problems().isEmpty()) {
            return new Opened(null, columns.problems());
        }
        return new Opened(new CsvRows(lines, parser, columns), List.of());
    }

    /** A row source, or why the file cannot be read as the contract's records (then {@code rows} is null). */
    public record Opened(CsvRows rows, List<String> problems) {
    }

    @Override
    public Row next() throws IOException {
        if (!pending && !parser.next()) {
            return null;
        }
        pending = false;
        String problem = parser.problem();
        Typing typing = problem != null
                ? new Typing.Untyped(null, 0, problem)
                : columns.type(parser.cells(), parser.count());
        return new Row(parser.line(), parser.raw(), typing);
    }

    @Override
    public void skipThrough(long lastLine) throws IOException {
        pending = parser.nextAfter(lastLine);
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
