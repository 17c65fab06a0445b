package io.meshspine.sink.internal;

import io.delta.standalone.actions.AddFile;

/** What the log says about a data file without opening it. */
public final class TableFacts {

    private TableFacts() {
    }

    /** The file's row count from its stats; 0 when the writer recorded none. */
    public static long numRecords(AddFile f) {
        return Math.max(0, FileStats.Parsed.of(f.getStats()).numRecords());
    }
}
