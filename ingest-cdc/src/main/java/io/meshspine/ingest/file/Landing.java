package io.meshspine.ingest.file;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Where files are dropped, and where the lane puts them afterwards: {@code archive/} when done, {@code quarantine/}
 * (beside a {@code <name>.reason.txt}) when they cannot be read. Paths are relative to the landing root, with
 * {@code /} separators, as the contracts' landing globs are written.
 *
 * <p>{@link LocalLanding} is a local directory through java.nio. Object stores (s3a://, abfss://) plug in here: an
 * implementation over Hadoop's {@code FileSystem} (hadoop-client-api 3.3.4, see STACK.md) lists with
 * {@code listFiles(root, true)}, opens with {@code open}, and archives with {@code rename} (a copy and delete on S3).
 */
public interface Landing {

    /** A file in the landing area; {@code path} is relative to the root. */
    record LandedFile(String path, long size, long modifiedMillis) {
    }

    String ARCHIVE = "archive";
    String QUARANTINE = "quarantine";

    /** Files waiting to be ingested: everything but archive/, quarantine/, and hidden or in-flight names. */
    List<LandedFile> list() throws IOException;

    InputStream open(LandedFile file) throws IOException;

    /** Moves a file that went through to {@code archive/<path>}; returns where it went. */
    String archive(LandedFile file) throws IOException;

    /** Moves a file that cannot be read to {@code quarantine/<path>}, with the reason beside it; returns where it went. */
    String quarantine(LandedFile file, String reason) throws IOException;

    /** Where the landing area is, for logs. */
    String describe();

    /** Files a writer has not finished: hidden files, and the usual in-flight suffixes. Write them, then rename. */
    static boolean inFlight(String name) {
        return name.startsWith(".") || name.startsWith("_") || name.endsWith(".tmp") || name.endsWith(".part")
                || name.endsWith(".crc") || name.endsWith("._COPYING_");
    }
}
