package io.meshspine.core.contract;

import java.nio.charset.Charset;
import java.util.Objects;
import java.util.Optional;

/**
 * How CSV files of a file-lane product are read. Header names are the Avro field names.
 *
 * @param dateFormat      {@link java.time.format.DateTimeFormatter} pattern for {@code date} fields
 * @param timestampFormat pattern for timestamp fields; without an offset in it, values are UTC
 * @param nullValue       the text that stands for null (empty by default)
 */
public record CsvOptions(char delimiter, boolean header, char quote, Charset encoding,
                         String dateFormat, String timestampFormat, String nullValue) {
    public static final CsvOptions DEFAULT = new CsvOptions(',', true, '"', java.nio.charset.StandardCharsets.UTF_8,
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]XXX", "");

    public CsvOptions {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(dateFormat, "dateFormat");
        Objects.requireNonNull(timestampFormat, "timestampFormat");
        Objects.requireNonNull(nullValue, "nullValue");
    }

    public Optional<String> nullMarker() {
        return nullValue.isEmpty() ? Optional.empty() : Optional.of(nullValue);
    }
}
