package io.meshspine.sink.internal;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.contract.CdcConnector;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.util.Optional;

/**
 * A change's place in its source database's log, as a string that sorts in log order: what an upsert table orders a
 * key's changes by, kept in each row ({@link #COLUMN}). Parsed from the {@code spine.source-position} header the CDC
 * lane stamps and the gate passes on ({@code postgres:<database>:<lsn>}, {@code mariadb:<database>:<binlog file>:<pos>:<row>}):
 * <ul>
 *   <li>PostgreSQL: {@code postgres:<database>@<lsn as 20 decimal digits>};</li>
 *   <li>MariaDB: {@code mariadb:<database>/<binlog base name>@<file number, 10 digits>:<pos, 20 digits>:<row, 10 digits>}
 *       (the numeric suffix of the binlog file, so {@code .999999} sorts before {@code .1000000}).</li>
 * </ul>
 * Everything before the {@code @} names the log the position belongs to: two sequences are ordered only when they name
 * the same log. Other positions (a file lane's {@code <hash>:<line>}, none at all) have no sequence: such records keep
 * arrival order, as before.
 */
final class SourceSequence {

    /** The Silver column of upsert tables holding each row's sequence (null for rows from records without one). */
    static final String COLUMN = "_source_sequence";

    private SourceSequence() {
    }

    /** The record's sequence, if its source position is a database log position. */
    static String of(Headers headers) {
        Header h = headers.lastHeader(SpineHeaders.SOURCE_POSITION);
        return h == null || h.value() == null ? null : of(SpineHeaders.string(h.value())).orElse(null);
    }

    static Optional<String> of(String position) {
        int first = position.indexOf(':');
        if (first < 0) {
            return Optional.empty();
        }
        Optional<CdcConnector> connector = CdcConnector.fromConfig(position.substring(0, first));
        if (connector.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (connector.get() == CdcConnector.POSTGRES) {
                int last = position.lastIndexOf(':');
                if (last <= first) {
                    return Optional.empty();
                }
                long lsn = Long.parseUnsignedLong(position.substring(last + 1));
                return Optional.of(position.substring(0, last) + "@" + pad(Long.toUnsignedString(lsn), 20));
            }
            // mariadb:<database>:<file>:<pos>:<row>: the last three parts are the position, the database may hold ':'.
            int rowAt = position.lastIndexOf(':');
            int posAt = position.lastIndexOf(':', rowAt - 1);
            int fileAt = position.lastIndexOf(':', posAt - 1);
            if (fileAt <= first) {
                return Optional.empty();
            }
            String file = position.substring(fileAt + 1, posAt);
            int dot = file.lastIndexOf('.');
            if (dot < 0) {
                return Optional.empty();
            }
            long fileNumber = Long.parseLong(file.substring(dot + 1));
            long pos = Long.parseLong(position.substring(posAt + 1, rowAt));
            long row = Long.parseLong(position.substring(rowAt + 1));
            if (fileNumber < 0 || pos < 0 || row < 0) {
                return Optional.empty();
            }
            return Optional.of(position.substring(0, fileAt) + "/" + file.substring(0, dot) + "@" + pad(Long.toString(fileNumber), 10)
                    + ":" + pad(Long.toString(pos), 20) + ":" + pad(Long.toString(row), 10));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code a} comes strictly after {@code b} in the same source log. False when either is null or they belong
     * to different logs (not comparable: arrival order decides), and for equal positions (the same change again).
     */
    static boolean isAfter(String a, String b) {
        return sameLog(a, b) && a.compareTo(b) > 0;
    }

    /** Whether both are sequences of one source log (so {@link #isAfter} orders them). */
    static boolean sameLog(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        int at = a.lastIndexOf('@');
        int bt = b.lastIndexOf('@');
        return at >= 0 && at == bt && a.regionMatches(0, b, 0, at);
    }

    /**
     * A sequence right after {@code sequence} in its log, before any real later one: what an erasure's tombstone is
     * recorded at, so the erased change itself (equal sequences are "the same change again", which a tombstone at that
     * sequence would let through) and every older change are covered, and a newer change is not. Sound because a
     * log's positions have a fixed width (every part is zero-padded): a later position differs from {@code sequence}
     * within its length, a suffix only decides against {@code sequence} itself.
     */
    static String justAfter(String sequence) {
        return sequence + ERASED_SUFFIX;
    }

    /** What {@link #justAfter} appends (not a digit: no real position has it). */
    static final String ERASED_SUFFIX = "~erased";

    private static String pad(String digits, int width) {
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }
}
