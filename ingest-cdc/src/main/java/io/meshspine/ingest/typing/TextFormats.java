package io.meshspine.ingest.typing;

import io.meshspine.core.contract.CsvOptions;

import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.Objects;

/**
 * How text spells dates, timestamps and null in a source: a CSV file's per-contract options, or ISO-8601 for JSON.
 *
 * @param nullText the text that stands for null in a cell ({@code ""} by default); null when no text does (JSON)
 */
public record TextFormats(DateTimeFormatter date, DateTimeFormatter timestamp, String nullText, boolean isoTimestamps) {

    /** What JSON sources use, and what {@link io.meshspine.core.avro.AvroJson} writes. */
    public static final TextFormats ISO = new TextFormats(DateTimeFormatter.ISO_LOCAL_DATE, DateTimeFormatter.ISO_DATE_TIME, null, true);

    public TextFormats {
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    public static TextFormats of(CsvOptions csv) {
        return new TextFormats(strict(csv.dateFormat()), strict(csv.timestampFormat()), csv.nullValue(),
                CsvOptions.DEFAULT.timestampFormat().equals(csv.timestampFormat()));
    }

    /**
     * STRICT resolving, so that 2024-02-30 is an error rather than quietly 2024-02-29. STRICT needs the proleptic
     * year ({@code u}) where contract authors write the year-of-era ({@code y}), which would need an era.
     */
    static DateTimeFormatter strict(String pattern) {
        StringBuilder p = new StringBuilder(pattern.length());
        boolean quoted = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            }
            p.append(!quoted && c == 'y' ? 'u' : c);
        }
        return DateTimeFormatter.ofPattern(p.toString()).withResolverStyle(ResolverStyle.STRICT);
    }
}
