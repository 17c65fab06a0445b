package io.meshspine.ingest.typing;

import java.time.LocalDate;

/**
 * A fast path for the one timestamp shape nearly every file uses, {@code 2024-03-01T09:30:00[.123456](Z|+10:00)}:
 * parsing it by hand is some 20 times cheaper than a DateTimeFormatter, which matters at 100,000 rows a second.
 * Anything else (or anything odd) returns {@link #NOT_ISO} and is left to the formatter, which also words the error.
 */
final class IsoTimestamps {

    static final long NOT_ISO = Long.MIN_VALUE;

    private IsoTimestamps() {
    }

    /** Microseconds since the epoch, or {@link #NOT_ISO}. */
    static long epochMicros(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_ISO;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || month < 1 || month > 12 || day < 1
                || day > LocalDate.of(year, month, 1).lengthOfMonth() || hour > 23 || minute > 59 || second > 59) {
            return NOT_ISO;
        }
        int i = 19;
        long micros = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            long fraction = 0;
            while (i < n && Character.isDigit(s.charAt(i))) {
                if (i - start < 6) {
                    fraction = fraction * 10 + (s.charAt(i) - '0');
                } else if (s.charAt(i) != '0') {
                    return NOT_ISO; // sub-microsecond precision: let the formatter decide
                }
                i++;
            }
            int count = i - start;
            if (count == 0 || count > 9) {
                return NOT_ISO;
            }
            for (int k = Math.min(count, 6); k < 6; k++) {
                fraction *= 10;
            }
            micros = fraction;
        }
        int offsetSeconds;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || oh > 18 || om > 59) {
                return NOT_ISO;
            }
            offsetSeconds = (s.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return NOT_ISO;
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        long seconds = days * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return seconds * 1_000_000L + micros;
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
