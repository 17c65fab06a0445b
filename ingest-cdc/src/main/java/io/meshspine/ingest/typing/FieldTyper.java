package io.meshspine.ingest.typing;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.contract.internal.FieldType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Types one field's values, from text (a CSV cell) or from JSON, into Avro's generic representation without logical
 * type conversions (what {@link io.meshspine.core.avro.WireFormat}'s writers take): decimals as two's-complement
 * bytes, dates as epoch days, timestamps as epoch millis/micros/nanos, uuids as strings. Classification of the schema
 * is spine-core's {@link FieldType}, the same the contract rules use.
 */
final class FieldTyper {

    private final FieldType type;
    private final TextFormats formats;
    private final String described;
    /** Branches of a general union, tried in order; null otherwise. */
    private final List<FieldTyper> branches;
    /** Nested record, array element or map value typers; null otherwise. */
    private final RecordTyper nested;
    private final FieldTyper element;

    FieldTyper(Schema schema, TextFormats formats) {
        this.type = FieldType.of(schema);
        this.formats = formats;
        this.described = type.describe();
        Schema s = type.schema();
        this.branches = type.kind() == FieldType.Kind.UNION
                ? s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).map(b -> new FieldTyper(b, formats)).toList()
                : null;
        this.nested = type.kind() == FieldType.Kind.RECORD ? new RecordTyper(s, formats) : null;
        this.element = switch (type.kind()) {
            case ARRAY -> new FieldTyper(s.getElementType(), formats);
            case MAP -> new FieldTyper(s.getValueType(), formats);
            default -> null;
        };
    }

    boolean nullable() {
        return type.nullable() || type.kind() == FieldType.Kind.NULL;
    }

    /** Whether a CSV cell can hold it; records, arrays and maps come only from JSON. */
    boolean textual() {
        return switch (type.kind()) {
            case RECORD, ARRAY, MAP -> false;
            case UNION -> branches.stream().allMatch(FieldTyper::textual);
            default -> true;
        };
    }

    String describe() {
        return described;
    }

    Object fromText(String text) throws TypingFault {
        if (formats.nullText() != null && text.equals(formats.nullText())) {
            if (nullable()) {
                return null;
            }
            throw new TypingFault(text.isEmpty() ? "empty, but " + described + " is required" : "null, but " + described + " is required");
        }
        FieldType.Kind kind = type.kind();
        Schema s = type.schema();
        try {
            return switch (kind) {
                case STRING -> text;
                case UUID -> UUID.fromString(text).toString().equals(text.toLowerCase(java.util.Locale.ROOT)) ? text : fail("not a uuid");
                case ENUM -> enumSymbol(s, text);
                case BOOLEAN -> bool(text);
                case INT -> Integer.parseInt(text.strip());
                case LONG -> Long.parseLong(text.strip());
                case FLOAT -> Float.parseFloat(text);
                case DOUBLE -> Double.parseDouble(text);
                case DECIMAL -> decimal(new BigDecimal(text.strip()));
                case DATE -> (int) LocalDate.from(formats.date().parse(text)).toEpochDay();
                case TIME_MILLIS -> (int) (LocalTime.parse(text).toNanoOfDay() / 1_000_000L);
                case TIME_MICROS -> LocalTime.parse(text).toNanoOfDay() / 1_000L;
                case TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS,
                     LOCAL_TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MICROS, LOCAL_TIMESTAMP_NANOS -> timestamp(text, kind);
                case BYTES -> ByteBuffer.wrap(Base64.getDecoder().decode(text));
                case FIXED -> fixed(s, Base64.getDecoder().decode(text));
                case UNION -> firstBranch(text);
                case NULL -> fail("must be null");
                case RECORD, ARRAY, MAP -> fail(described + " cannot be read from text");
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TypingFault("not a " + described);
        } catch (java.time.DateTimeException e) {
            throw new TypingFault("not a " + described + " in the expected format (" + e.getClass().getSimpleName() + ")");
        } catch (IllegalArgumentException e) {
            throw new TypingFault("not a " + described);
        }
    }

    Object fromJson(JsonNode node) throws TypingFault {
        if (node == null || node.isNull() || node.isMissingNode()) {
            if (nullable()) {
                return null;
            }
            throw new TypingFault("null, but " + described + " is required");
        }
        FieldType.Kind kind = type.kind();
        switch (kind) {
            case BOOLEAN:
                if (node.isBoolean()) {
                    return node.booleanValue();
                }
                throw new TypingFault("expected a boolean, found " + shape(node));
            case INT:
                if (node.isIntegralNumber() && node.canConvertToInt()) {
                    return node.intValue();
                }
                throw new TypingFault("expected an int, found " + shape(node));
            case LONG:
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return node.longValue();
                }
                throw new TypingFault("expected a long, found " + shape(node));
            case FLOAT:
            case DOUBLE:
                if (node.isNumber()) {
                    return kind == FieldType.Kind.FLOAT ? (Object) node.floatValue() : (Object) node.doubleValue();
                }
                break;
            case DECIMAL:
                if (node.isNumber()) {
                    try {
                        return decimal(node.decimalValue());
                    } catch (ArithmeticException e) {
                        throw new TypingFault("not a " + described);
                    }
                }
                break;
            case DATE:
            case TIME_MILLIS:
                if (node.isIntegralNumber() && node.canConvertToInt()) {
                    return node.intValue();
                }
                break;
            case TIME_MICROS:
            case TIMESTAMP_MILLIS:
            case TIMESTAMP_MICROS:
            case TIMESTAMP_NANOS:
            case LOCAL_TIMESTAMP_MILLIS:
            case LOCAL_TIMESTAMP_MICROS:
            case LOCAL_TIMESTAMP_NANOS:
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return node.longValue();
                }
                break;
            case RECORD:
                if (node.isObject()) {
                    Typing t = nested.fromJson(node);
                    if (t instanceof Typing.Untyped u) {
                        throw new TypingFault(u.message());
                    }
                    return ((Typing.Typed) t).record();
                }
                throw new TypingFault("expected an object, found " + shape(node));
            case ARRAY:
                if (node.isArray()) {
                    List<Object> values = new ArrayList<>(node.size());
                    int i = 0;
                    for (JsonNode item : node) {
                        try {
                            values.add(element.fromJson(item));
                        } catch (TypingFault f) {
                            throw new TypingFault("item " + i + ": " + f.getMessage());
                        }
                        i++;
                    }
                    return values;
                }
                throw new TypingFault("expected an array, found " + shape(node));
            case MAP:
                if (node.isObject()) {
                    Map<String, Object> values = new HashMap<>();
                    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        try {
                            values.put(e.getKey(), element.fromJson(e.getValue()));
                        } catch (TypingFault f) {
                            throw new TypingFault("key " + e.getKey() + ": " + f.getMessage());
                        }
                    }
                    return values;
                }
                throw new TypingFault("expected an object, found " + shape(node));
            case UNION:
                return firstBranchJson(node);
            default:
                break;
        }
        if (!node.isTextual()) {
            throw new TypingFault("expected " + (kind.isTextual() ? "a string" : "a " + described + " as a string") + ", found " + shape(node));
        }
        // Strings are text for every remaining kind: logical types as AvroJson writes them (decimals, ISO dates).
        return fromText(node.textValue());
    }

    private Object firstBranch(String text) throws TypingFault {
        for (FieldTyper b : branches) {
            try {
                return b.fromText(text);
            } catch (TypingFault ignored) {
                // try the next branch
            }
        }
        throw new TypingFault("fits no branch of " + described);
    }

    private Object firstBranchJson(JsonNode node) throws TypingFault {
        for (FieldTyper b : branches) {
            try {
                return b.fromJson(node);
            } catch (TypingFault ignored) {
                // try the next branch
            }
        }
        throw new TypingFault("fits no branch of " + described);
    }

    private Object decimal(BigDecimal value) throws TypingFault {
        LogicalTypes.Decimal d = (LogicalTypes.Decimal) type.schema().getLogicalType();
        BigDecimal scaled;
        try {
            scaled = value.setScale(d.getScale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new TypingFault("more than " + d.getScale() + " decimal places for " + described);
        }
        if (scaled.precision() > d.getPrecision()) {
            throw new TypingFault("more than " + d.getPrecision() + " digits for " + described);
        }
        byte[] unscaled = scaled.unscaledValue().toByteArray();
        if (type.schema().getType() == Schema.Type.FIXED) {
            int size = type.schema().getFixedSize();
            if (unscaled.length > size) {
                throw new TypingFault("does not fit " + size + " bytes of " + described);
            }
            byte[] padded = new byte[size];
            byte pad = (byte) (scaled.signum() < 0 ? 0xFF : 0);
            java.util.Arrays.fill(padded, 0, size - unscaled.length, pad);
            System.arraycopy(unscaled, 0, padded, size - unscaled.length, unscaled.length);
            return new GenericData.Fixed(type.schema(), padded);
        }
        return ByteBuffer.wrap(unscaled);
    }

    private long timestamp(String text, FieldType.Kind kind) {
        boolean local = kind.name().startsWith("LOCAL_");
        if (!local && formats.isoTimestamps()) {
            long micros = IsoTimestamps.epochMicros(text);
            if (micros != IsoTimestamps.NOT_ISO) {
                return switch (kind) {
                    case TIMESTAMP_MILLIS -> Math.floorDiv(micros, 1000L);
                    case TIMESTAMP_NANOS -> Math.multiplyExact(micros, 1000L);
                    default -> micros;
                };
            }
        }
        TemporalAccessor parsed = formats.timestamp().parse(text);
        // Without an offset in the text, a timestamp is UTC (CsvOptions' contract); a local timestamp ignores one.
        Instant instant = parsed.isSupported(ChronoField.OFFSET_SECONDS) && !local
                ? Instant.from(parsed)
                : LocalDateTime.from(parsed).toInstant(ZoneOffset.UTC);
        long seconds = instant.getEpochSecond();
        int nanos = instant.getNano();
        return switch (kind) {
            case TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MILLIS -> Math.addExact(Math.multiplyExact(seconds, 1000L), nanos / 1_000_000);
            case TIMESTAMP_NANOS, LOCAL_TIMESTAMP_NANOS -> Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
            default -> Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1000);
        };
    }

    private static Object enumSymbol(Schema s, String text) throws TypingFault {
        if (!s.hasEnumSymbol(text)) {
            throw new TypingFault("not one of the " + s.getEnumSymbols().size() + " symbols of enum " + s.getName());
        }
        return new GenericData.EnumSymbol(s, text);
    }

    private static Object fixed(Schema s, byte[] bytes) throws TypingFault {
        if (bytes.length != s.getFixedSize()) {
            throw new TypingFault(bytes.length + " bytes, but fixed " + s.getName() + " holds " + s.getFixedSize());
        }
        return new GenericData.Fixed(s, bytes);
    }

    private static Boolean bool(String text) throws TypingFault {
        if ("true".equalsIgnoreCase(text)) {
            return Boolean.TRUE;
        }
        if ("false".equalsIgnoreCase(text)) {
            return Boolean.FALSE;
        }
        throw new TypingFault("not a boolean (true or false)");
    }

    private static Object fail(String reason) throws TypingFault {
        throw new TypingFault(reason);
    }

    /** The JSON kind of a node, never its value. */
    private static String shape(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> node.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            default -> "null";
        };
    }
}
