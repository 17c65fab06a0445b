package io.meshspine.core.contract.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.avro.generic.GenericFixed;

/**
 * Turns the many Java shapes of one Avro value into one comparable form. A generic record may carry
 * Utf8 or String, ByteBuffer or BigDecimal, Long or Instant, depending on whether logical-type
 * conversions were registered on the reader: rules must not care.
 */
public final class AvroValues {
    public static final long MICROS_PER_DAY = 86_400_000_000L;

    private AvroValues() {
    }

    /** Thrown for a value whose Java type does not fit its field; the rule reports it as a violation. */
    public static final class UnexpectedValueException extends RuntimeException {
        UnexpectedValueException(String expected, Object value) {
            // The class name only: the value itself may be PII.
            super("expected " + expected + " but found a " + value.getClass().getSimpleName());
        }
    }

    /** Decimal bytes are big-endian two's complement; those of up to 8 bytes fit a long without allocation. */
    public static boolean fitsLong(Object decimal) {
        if (decimal instanceof ByteBuffer buffer) {
            return buffer.remaining() <= 8;
        }
        if (decimal instanceof GenericFixed fixed) {
            return fixed.bytes().length <= 8;
        }
        return false;
    }

    /** The unscaled value of a decimal whose {@link #fitsLong} is true. */
    public static long unscaledLong(Object decimal) {
        if (decimal instanceof ByteBuffer buffer) {
            int start = buffer.position();
            int n = buffer.remaining();
            if (n == 0) {
                return 0;
            }
            long v = buffer.get(start); // sign-extends the first byte
            for (int i = 1; i < n; i++) {
                v = (v << 8) | (buffer.get(start + i) & 0xFF);
            }
            return v;
        }
        byte[] bytes = ((GenericFixed) decimal).bytes();
        long v = bytes[0];
        for (int i = 1; i < bytes.length; i++) {
            v = (v << 8) | (bytes[i] & 0xFF);
        }
        return v;
    }

    public static BigDecimal toBigDecimal(Object value, int scale) {
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes.length == 0 ? BigDecimal.ZERO.setScale(scale) : new BigDecimal(new BigInteger(bytes), scale);
        }
        if (value instanceof GenericFixed fixed) {
            return new BigDecimal(new BigInteger(fixed.bytes()), scale);
        }
        if (value instanceof Integer || value instanceof Long) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof Float || value instanceof Double) {
            return BigDecimal.valueOf(((Number) value).doubleValue());
        }
        throw new UnexpectedValueException("a number", value);
    }

    private static final double[] POW10 = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

    public static double decimalToDouble(Object value, int scale) {
        if (fitsLong(value) && scale < POW10.length) {
            return unscaledLong(value) / POW10[scale];
        }
        return toBigDecimal(value, scale).doubleValue();
    }

    /** Microseconds since the epoch (UTC) for any date or timestamp value of the given kind. */
    public static long toEpochMicros(Object value, FieldType.Kind kind) {
        if (value instanceof Long l) {
            return switch (kind) {
                case TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MILLIS -> Math.multiplyExact(l, 1000L);
                case TIMESTAMP_NANOS, LOCAL_TIMESTAMP_NANOS -> Math.floorDiv(l, 1000L);
                default -> l;
            };
        }
        if (value instanceof Integer days) {
            return days * MICROS_PER_DAY;
        }
        if (value instanceof Instant instant) {
            return instantMicros(instant);
        }
        if (value instanceof LocalDate date) {
            return date.toEpochDay() * MICROS_PER_DAY;
        }
        if (value instanceof LocalDateTime dateTime) {
            // local timestamps carry no zone; the spine reads them as UTC everywhere.
            return instantMicros(dateTime.toInstant(ZoneOffset.UTC));
        }
        throw new UnexpectedValueException("a date or timestamp", value);
    }

    public static long instantMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    public static String text(Object value) {
        if (value instanceof CharSequence || value instanceof org.apache.avro.generic.GenericEnumSymbol<?>
                || value instanceof java.util.UUID) {
            return value.toString(); // Utf8 caches its String, so rules on one field decode it once
        }
        throw new UnexpectedValueException("a string", value);
    }

    /** Character length in code points: Utf8#length() counts bytes, which is not what a max length means. */
    public static int codePointLength(String s) {
        return s.codePointCount(0, s.length());
    }
}
