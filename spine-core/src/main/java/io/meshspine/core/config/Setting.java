package io.meshspine.core.config;

import io.meshspine.core.contract.ConfigValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One setting of a service, declared once: its key, type, default, documentation and check. Services hold their
 * settings as constants and list them in a {@link ConfigDef}; the README's table is generated from the same
 * declarations, so the docs cannot drift from the code.
 *
 * @param <T> the typed value
 */
public final class Setting<T> {

    private final String key;
    private final String type;
    private final String doc;
    private final T defaultValue;
    private final boolean required;
    private final boolean secret;
    private final Function<String, T> parser;
    private final Predicate<T> check;
    private final String expectation;

    private Setting(String key, String type, String doc, T defaultValue, boolean required, boolean secret,
                    Function<String, T> parser, Predicate<T> check, String expectation) {
        this.key = Objects.requireNonNull(key, "key");
        this.type = type;
        this.doc = Objects.requireNonNull(doc, "doc");
        if (doc.isBlank()) {
            throw new IllegalArgumentException("setting " + key + " has no documentation");
        }
        this.defaultValue = defaultValue;
        this.required = required;
        this.secret = secret;
        this.parser = parser;
        this.check = check;
        this.expectation = expectation;
    }

    public static Setting<String> string(String key, String defaultValue, String doc) {
        return new Setting<>(key, "string", doc, defaultValue, false, false, s -> s, v -> true, null);
    }

    public static Setting<Integer> integer(String key, int defaultValue, String doc) {
        return new Setting<>(key, "int", doc, defaultValue, false, false, Integer::valueOf, v -> true, null);
    }

    public static Setting<Long> longValue(String key, long defaultValue, String doc) {
        return new Setting<>(key, "long", doc, defaultValue, false, false, s -> Long.valueOf(s.replace("_", "")), v -> true, null);
    }

    public static Setting<Boolean> bool(String key, boolean defaultValue, String doc) {
        return new Setting<>(key, "boolean", doc, defaultValue, false, false, Setting::parseBoolean, v -> true, null);
    }

    /** A duration written as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT30S}). */
    public static Setting<Duration> duration(String key, Duration defaultValue, String doc) {
        return new Setting<>(key, "duration", doc, defaultValue, false, false, Setting::parseDuration, v -> true, null);
    }

    /** A size written as {@code 512}, {@code 64KB}, {@code 128MB} or {@code 1GB} (powers of 1024). */
    public static Setting<Long> bytes(String key, long defaultValue, String doc) {
        return new Setting<>(key, "bytes", doc, defaultValue, false, false, Setting::parseBytes, v -> true, null);
    }

    public static Setting<Path> path(String key, Path defaultValue, String doc) {
        return new Setting<>(key, "path", doc, defaultValue, false, false, Path::of, v -> true, null);
    }

    /** A comma-separated list; blanks dropped. */
    public static Setting<List<String>> list(String key, List<String> defaultValue, String doc) {
        return new Setting<>(key, "list", doc, defaultValue, false, false,
                s -> Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList(), v -> true, null);
    }

    /** A fixed choice in its lower-case config spelling; the allowed values come from the enum, never from the doc. */
    public static <E extends Enum<E> & ConfigValue> Setting<E> choice(String key, Class<E> type, E defaultValue, String doc) {
        String allowed = Arrays.stream(type.getEnumConstants()).map(ConfigValue::configValue).collect(Collectors.joining("|"));
        return new Setting<>(key, allowed, doc, defaultValue, false, false,
                s -> ConfigValue.parse(type, s.trim().toLowerCase(Locale.ROOT))
                        .orElseThrow(() -> new IllegalArgumentException("expected one of " + allowed)),
                v -> true, null);
    }

    /** No default: the service refuses to start without it. */
    public Setting<T> required() {
        return new Setting<>(key, type, doc, null, true, secret, parser, check, expectation);
    }

    /**
     * The same declaration where another service can do without it (e.g. the workbench serves erasures only when given
     * the gate's hash key): not required there, and {@code note} says what it enables, after the one doc.
     */
    public Setting<T> optionalFor(String note) {
        return new Setting<>(key, type, doc + " " + note, defaultValue, false, secret, parser, check, expectation);
    }

    /** Never printed: not in errors, logs, {@link SpineConfig#toString()} nor the generated table's default column. */
    public Setting<T> secret() {
        return new Setting<>(key, type, doc, defaultValue, required, true, parser, check, expectation);
    }

    /** A further check on the parsed value; {@code expectation} completes "must be …" in the error. */
    public Setting<T> validatedBy(Predicate<T> valid, String expectation) {
        Predicate<T> both = this.check.and(valid);
        String says = this.expectation == null ? expectation : this.expectation + " and " + expectation;
        Setting<T> s = new Setting<>(key, type, doc, defaultValue, required, secret, parser, both, says);
        if (defaultValue != null && !valid.test(defaultValue)) {
            throw new IllegalArgumentException("setting " + key + ": its default breaks its own check (" + expectation + ")");
        }
        return s;
    }

    public Setting<T> atLeast(long min) {
        return validatedBy(v -> ((Number) v).longValue() >= min, "at least " + min);
    }

    public Setting<T> positive() {
        return validatedBy(v -> v instanceof Duration d ? !d.isNegative() && !d.isZero() : ((Number) v).longValue() > 0, "positive");
    }

    public String key() {
        return key;
    }

    /** The environment variable that overrides it: {@code SPINE_} + the key upper-cased, dots and dashes as underscores. */
    public String envName() {
        return "SPINE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String type() {
        return type;
    }

    public String doc() {
        return doc;
    }

    public boolean isRequired() {
        return required;
    }

    public boolean isSecret() {
        return secret;
    }

    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    /** The default as a reader would write it in a file. */
    public String defaultText() {
        if (required) {
            return "(required)";
        }
        if (defaultValue == null) {
            return "(none)";
        }
        if (secret) {
            return "(secret)";
        }
        return format(defaultValue);
    }

    /** Parses and checks {@code raw}; the problem names the key and, unless secret, the value. */
    T parse(String raw, String source) {
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new ConfigException(key, source, (secret ? "its value" : "'" + raw + "'") + " is not a valid " + type
                    + (e.getMessage() == null || e instanceof NumberFormatException ? "" : ": " + e.getMessage()));
        }
        if (!check.test(value)) {
            throw new ConfigException(key, source, "must be " + expectation + (secret ? "" : ", was '" + raw + "'"));
        }
        return value;
    }

    static String format(Object value) {
        if (value instanceof Duration d) {
            return formatDuration(d);
        }
        if (value instanceof ConfigValue c) {
            return c.configValue();
        }
        if (value instanceof List<?> l) {
            return l.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return String.valueOf(value);
    }

    private static boolean parseBoolean(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    /** One duration syntax for contracts and config: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601. */
    public static Duration parseDuration(String s) {
        try {
            return io.meshspine.core.contract.internal.Durations.parse(s);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("expected e.g. 500ms, 30s, 5m, 2h, 7d or PT30S");
        }
    }

    private static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms > 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    private static long parseBytes(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected e.g. 512, 64KB, 128MB or 1GB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        return switch (unit) {
            case "KB" -> n << 10;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            default -> n;
        };
    }

    @Override
    public String toString() {
        return key;
    }
}
