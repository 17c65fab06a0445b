package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
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
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inverse of {@code io.meshspine.core.avro.AvroJson}: the JSON stewards see and patch, back into an Avro datum of
 * a schema (decimals from exact strings, timestamps and dates from ISO-8601, bytes from base64, union branches found
 * by trying each). A value that does not fit is an {@link InvalidValueException} naming the field path.
 */
public final class AvroFromJson {

    /** The JSON does not fit the schema; the message names the field and why. */
    public static final class InvalidValueException extends Exception {
        public InvalidValueException(String message) {
            super(message);
        }
    }

    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    private AvroFromJson() {
    }

    public static GenericData.Record record(JsonNode json, Schema schema) throws InvalidValueException {
        return (GenericData.Record) convert(json, schema, "");
    }

    private static Object convert(JsonNode json, Schema schema, String path) throws InvalidValueException {
        LogicalType logical = schema.getLogicalType();
        switch (schema.getType()) {
            case NULL:
                if (json == null || json.isNull()) {
                    return null;
                }
                throw invalid(path, "must be null");
            case UNION:
                return union(json, schema, path);
            default:
                if (json == null || json.isNull()) {
                    throw invalid(path, "must not be null (" + schema.getType().getName() + ")");
                }
        }
        switch (schema.getType()) {
            case BOOLEAN:
                if (!json.isBoolean()) {
                    throw invalid(path, "must be true or false");
                }
                return json.booleanValue();
            case INT:
                if (logical instanceof LogicalTypes.Date && json.isTextual()) {
                    return (int) parse(path, () -> LocalDate.parse(json.asText()).toEpochDay());
                }
                if (logical instanceof LogicalTypes.TimeMillis && json.isTextual()) {
                    return (int) parse(path, () -> LocalTime.parse(json.asText()).toNanoOfDay() / 1_000_000);
                }
                if (!json.isIntegralNumber() || !json.canConvertToInt()) {
                    throw invalid(path, "must be a whole number (int)");
                }
                return json.intValue();
            case LONG:
                if (json.isTextual() && logical != null) {
                    return timeLike(json.asText(), logical.getName(), path);
                }
                if (!json.isIntegralNumber() || !json.canConvertToLong()) {
                    throw invalid(path, "must be a whole number (long)");
                }
                return json.longValue();
            case FLOAT:
                return (float) floating(json, path);
            case DOUBLE:
                return floating(json, path);
            case STRING:
                if (!json.isTextual()) {
                    throw invalid(path, "must be a string");
                }
                return json.asText();
            case ENUM:
                if (!json.isTextual() || !schema.hasEnumSymbol(json.asText())) {
                    throw invalid(path, "must be one of " + schema.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(schema, json.asText());
            case BYTES:
                return ByteBuffer.wrap(bytes(json, schema, path));
            case FIXED:
                byte[] fixed = bytes(json, schema, path);
                if (fixed.length != schema.getFixedSize()) {
                    throw invalid(path, "must be " + schema.getFixedSize() + " bytes");
                }
                return new GenericData.Fixed(schema, fixed);
            case ARRAY:
                if (!json.isArray()) {
                    throw invalid(path, "must be an array");
                }
                List<Object> items = new ArrayList<>();
                int i = 0;
                for (JsonNode item : json) {
                    items.add(convert(item, schema.getElementType(), path + "[" + i++ + "]"));
                }
                return new GenericData.Array<>(schema, items);
            case MAP:
                if (!json.isObject()) {
                    throw invalid(path, "must be an object (map)");
                }
                Map<String, Object> map = new HashMap<>();
                for (var it = json.fields(); it.hasNext(); ) {
                    var e = it.next();
                    map.put(e.getKey(), convert(e.getValue(), schema.getValueType(), path + "." + e.getKey()));
                }
                return map;
            case RECORD:
                return record(json, schema, path);
            default:
                throw invalid(path, "unsupported type " + schema.getType());
        }
    }

    private static GenericData.Record record(JsonNode json, Schema schema, String path) throws InvalidValueException {
        if (!json.isObject()) {
            throw invalid(path, "must be an object (record " + schema.getName() + ")");
        }
        Set<String> unknown = new HashSet<>();
        json.fieldNames().forEachRemaining(unknown::add);
        GenericData.Record r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            unknown.remove(f.name());
            String at = path.isEmpty() ? f.name() : path + "." + f.name();
            JsonNode value = json.get(f.name());
            if (value == null) {
                if (!f.hasDefaultValue()) {
                    throw invalid(at, "is missing and has no default");
                }
                try {
                    r.put(f.pos(), GenericData.get().getDefaultValue(f));
                } catch (AvroRuntimeException e) {
                    throw invalid(at, "is missing and its default cannot be used: " + e.getMessage());
                }
            } else {
                r.put(f.pos(), convert(value, f.schema(), at));
            }
        }
        if (!unknown.isEmpty()) {
            throw invalid(path.isEmpty() ? "(record)" : path, "has fields the schema does not know: " + new java.util.TreeSet<>(unknown));
        }
        return r;
    }

    private static Object union(JsonNode json, Schema schema, String path) throws InvalidValueException {
        List<String> why = new ArrayList<>();
        for (Schema branch : schema.getTypes()) {
            try {
                return convert(json, branch, path);
            } catch (InvalidValueException e) {
                why.add(branch.getType().getName() + ": " + e.getMessage());
            }
        }
        throw invalid(path, "fits no branch of the union (" + String.join("; ", why) + ")");
    }

    private static long timeLike(String text, String logical, String path) throws InvalidValueException {
        return parse(path, () -> switch (logical) {
            case "timestamp-millis" -> Instant.parse(text).toEpochMilli();
            case "timestamp-micros" -> micros(Instant.parse(text));
            case "timestamp-nanos" -> nanos(Instant.parse(text));
            case "local-timestamp-millis" -> LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
            case "local-timestamp-micros" -> micros(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
            case "local-timestamp-nanos" -> nanos(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
            case "time-micros" -> LocalTime.parse(text).toNanoOfDay() / 1_000;
            default -> throw new DateTimeParseException("a " + logical + " is a number", text, 0);
        });
    }

    private static long micros(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
    }

    private static long nanos(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }

    private interface Parse {
        long get();
    }

    private static long parse(String path, Parse parse) throws InvalidValueException {
        try {
            return parse.get();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw invalid(path, e.getMessage());
        }
    }

    private static double floating(JsonNode json, String path) throws InvalidValueException {
        if (json.isNumber()) {
            return json.doubleValue();
        }
        if (json.isTextual()) {
            switch (json.asText()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw invalid(path, "must be a number");
    }

    private static byte[] bytes(JsonNode json, Schema schema, String path) throws InvalidValueException {
        if (!json.isTextual() && !(json.isNumber() && schema.getLogicalType() instanceof LogicalTypes.Decimal)) {
            throw invalid(path, "must be a string");
        }
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            BigDecimal value;
            try {
                value = new BigDecimal(json.asText()).setScale(decimal.getScale(), RoundingMode.UNNECESSARY);
            } catch (NumberFormatException | ArithmeticException e) {
                throw invalid(path, "'" + json.asText() + "' is not a decimal with at most " + decimal.getScale() + " places");
            }
            if (value.precision() > decimal.getPrecision()) {
                throw invalid(path, "has more than " + decimal.getPrecision() + " digits");
            }
            ByteBuffer b = DECIMALS.toBytes(value, schema, decimal);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        }
        try {
            return Base64.getDecoder().decode(json.asText());
        } catch (IllegalArgumentException e) {
            throw invalid(path, "is not base64");
        }
    }

    private static InvalidValueException invalid(String path, String why) {
        return new InvalidValueException((path.isEmpty() ? "(value)" : path) + " " + why);
    }
}
