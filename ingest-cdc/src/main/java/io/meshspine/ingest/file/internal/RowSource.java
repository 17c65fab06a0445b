package io.meshspine.ingest.file.internal;

import io.meshspine.ingest.typing.Typing;

import java.io.IOException;

/** The rows of one file, typed against the contract's schema, in file order. */
public interface RowSource extends AutoCloseable {

    /** One row: the line it starts on, its raw text (what a dead letter keeps), and what typing made of it. */
    record Row(long line, String raw, Typing typing) {
    }

    /** The next row, or null at the end of the file. */
    Row next() throws IOException;

    /** Passes over the rows that start on or before {@code lastLine} without typing them (resuming a file). */
    void skipThrough(long lastLine) throws IOException;

    @Override
    void close() throws IOException;
}
