package io.meshspine.sink.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How Delta file statistics hold a column of one type: the comparable value a row's Avro value becomes, how it is
 * written into {@code minValues}/{@code maxValues} (as the Delta protocol renders each type), and how it is read back
 * for pruning. Every comparison is in the order Delta readers use (strings by UTF-8 bytes, i.e. by code points).
 */
enum StatValue {
    /** int and long: JSON numbers. */
    INTEGRAL,
    /** float and double: JSON numbers; a NaN leaves the column without min/max. */
    FLOATING,
    /** decimal(p, s): JSON numbers of the unscaled value at its scale. */
    DECIMAL,
    /** date: {@code yyyy-MM-dd}. */
    DATE,
    /** timestamp-micros / -millis: ISO-8601 UTC at millisecond precision (min rounded down, max up). */
    TIMESTAMP,
    /** string, uuid, enum: at most {@value #MAX_STRING_PREFIX} code points; a longer max gets a tie-breaker. */
    STRING,
    /** boolean, binary: a null count only (Delta readers skip no file on their min/max). */
    NULL_COUNT_ONLY,
    /** structs, arrays, maps: no statistics here. */
    NONE;

    /** Delta's default string statistics prefix (delta.dataSkippingStringPrefixLength). */
    static final int MAX_STRING_PREFIX = 32;
    /** Appended to a truncated max so it stays above every string with that prefix (U+10FFFF, the largest code point). */
    private static final String TIE_BREAKER = new String(Character.toChars(Character.MAX_CODE_POINT));
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    static StatValue of(Schema s) {
        LogicalType logical = s.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal) {
            return DECIMAL;
        }
        if (logical instanceof LogicalTypes.Date) {
            return DATE;
        }
        if (logical instanceof LogicalTypes.TimestampMicros || logical instanceof LogicalTypes.TimestampMillis) {
            return TIMESTAMP;
        }
        return switch (s.getType()) {
            case INT, LONG -> INTEGRAL;
            case FLOAT, DOUBLE -> FLOATING;
            case STRING, ENUM -> STRING;
            case BOOLEAN, BYTES, FIXED -> NULL_COUNT_ONLY;
            default -> NONE;
        };
    }

    /**
     * A row's value (as Avro's generic model holds it) as the comparable this kind's stats order: Long, Double,
     * BigDecimal, Long epoch days, Long epoch micros, or {@link Utf8Order}. Null for a value without statistics.
     */
    @SuppressWarnings("rawtypes")
    Comparable fromAvro(Object v, Schema s) {
        if (v == null) {
            return null;
        }
        return switch (this) {
            case INTEGRAL, DATE -> ((Number) v).longValue();
            case FLOATING -> {
                double d = ((Number) v).doubleValue();
                yield Double.isNaN(d) ? null : d;
            }
            case DECIMAL -> decimal(v, s);
            case TIMESTAMP -> s.getLogicalType() instanceof LogicalTypes.TimestampMillis ? ((Number) v).longValue() * 1000 : ((Number) v).longValue();
            case STRING -> new Utf8Order(v.toString());
            default -> null;
        };
    }

    /** Writes a min ({@code max == false}) or max into the stats object, in the protocol's rendering. */
    void put(ObjectNode node, String name, Object value, boolean max) {
        switch (this) {
            case INTEGRAL -> node.put(name, (Long) value);
            case FLOATING -> node.put(name, (Double) value);
            case DECIMAL -> node.put(name, (BigDecimal) value);
            case DATE -> node.put(name, LocalDate.ofEpochDay((Long) value).toString());
            case TIMESTAMP -> {
                long micros = (Long) value;
                long millis = Math.floorDiv(micros, 1000) + (max && Math.floorMod(micros, 1000) != 0 ? 1 : 0);
                node.put(name, MILLIS.format(Instant.ofEpochMilli(millis)));
            }
            case STRING -> node.put(name, truncate(((Utf8Order) value).value(), max));
            default -> throw new IllegalStateException(this + " has no min/max");
        }
    }

    /** A min or max read back from a file's stats, as {@link #fromAvro} would give it; null when absent. */
    @SuppressWarnings("rawtypes")
    Comparable fromJson(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return null;
        }
        return switch (this) {
            case INTEGRAL -> n.asLong();
            case FLOATING -> n.asDouble();
            case DECIMAL -> n.decimalValue();
            case DATE -> LocalDate.parse(n.asText()).toEpochDay();
            case TIMESTAMP -> Instant.parse(n.asText()).toEpochMilli() * 1000;
            case STRING -> new Utf8Order(n.asText());
            default -> null;
        };
    }

    private static BigDecimal decimal(Object v, Schema s) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        LogicalType logical = s.getLogicalType();
        if (v instanceof ByteBuffer b) {
            return DECIMALS.fromBytes(b.duplicate(), s, logical);
        }
        if (v instanceof GenericFixed f) {
            return DECIMALS.fromFixed(f, s, logical);
        }
        throw new IllegalArgumentException("not a decimal: " + v.getClass());
    }

    /** Delta's string statistics: a prefix of 32 code points; a truncated max gets the tie-breaker so it stays an upper bound. */
    static String truncate(String s, boolean max) {
        if (s.codePointCount(0, s.length()) <= MAX_STRING_PREFIX) {
            return s;
        }
        String prefix = s.substring(0, s.offsetByCodePoints(0, MAX_STRING_PREFIX));
        return max ? prefix + TIE_BREAKER : prefix;
    }

    /** A string in UTF-8 byte order (= code point order), the order Delta readers compare string statistics in. */
    record Utf8Order(String value) implements Comparable<Utf8Order> {
        @Override
        public int compareTo(Utf8Order o) {
            int i = 0;
            int j = 0;
            while (i < value.length() && j < o.value.length()) {
                int a = value.codePointAt(i);
                int b = o.value.codePointAt(j);
                if (a != b) {
                    return Integer.compare(a, b);
                }
                i += Character.charCount(a);
                j += Character.charCount(b);
            }
            return Integer.compare(value.length() - i, o.value.length() - j);
        }
    }
}
