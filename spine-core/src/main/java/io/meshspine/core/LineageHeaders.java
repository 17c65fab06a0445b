package io.meshspine.core;

/**
 * Headers that say where in a dropped file a record came from, beside {@link SpineHeaders#SOURCE} ({@code file}) and
 * {@link SpineHeaders#SOURCE_POSITION} ({@code <file hash>:<line>}). Values are UTF-8 strings.
 */
public final class LineageHeaders {

    /** The file's path relative to the landing root, as it was dropped. */
    public static final String FILE_NAME = "spine.file.name";
    /** The 1-based line the record starts on (a quoted CSV field may span lines). */
    public static final String FILE_LINE = "spine.file.line";
    /** SHA-256 of the file's bytes, lower-case hex: the file's identity in the file lane's ledger. */
    public static final String FILE_HASH = "spine.file.hash";

    private LineageHeaders() {
    }
}
