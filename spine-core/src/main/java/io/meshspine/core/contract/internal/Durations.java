package io.meshspine.core.contract.internal;

import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as contract authors write them: ISO-8601 ({@code PT5M}, {@code P7Y}) or {@code 30s}, {@code 15m}, {@code 7y}. */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d|w|y)");

    private Durations() {
    }

    /** Years count 365 days and months 30: retention and freshness do not need calendar precision. */
    public static Duration parse(String text) {
        String t = text.trim();
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(7 * n);
                default -> Duration.ofDays(365 * n);
            };
        }
        if (t.startsWith("P") || t.startsWith("p")) {
            int timePart = t.toUpperCase(java.util.Locale.ROOT).indexOf('T');
            String datePart = timePart < 0 ? t : t.substring(0, timePart);
            if (datePart.length() > 1) {
                Period p = Period.parse(datePart);
                Duration d = Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays());
                return timePart < 0 ? d : d.plus(Duration.parse("P" + t.substring(timePart)));
            }
            return Duration.parse(t);
        }
        throw new DateTimeParseException("not a duration (use e.g. 15m, 7d, 7y or ISO-8601 PT15M)", t, 0);
    }
}
