package io.meshspine.core.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

/**
 * Avro data as JSON people can read: the shape of Avro's JSON encoding without its union wrappers (a union value is
 * shown as the branch's value, as {@link GenericData#toString(Object)} does), and logical types readable: decimals as
 * strings ({@code "12.34"}, exact), timestamps as ISO-8601 instants, local timestamps, dates and times in ISO-8601,
 * uuids as strings. Plain bytes and fixed values are base64 (standard alphabet, padded); NaN and infinities are
 * strings. Takes the generic representation (what a {@code GenericDatumReader} without conversions returns), and also
 * the converted one ({@code BigDecimal}, {@code Instant}, {@code LocalDate}...).
 */
public final class AvroJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    /** Resolves union branches for both representations (raw and converted logical-type values). */
    private static final GenericData DATA = withConversions();

    private AvroJson() {
    }

    private static GenericData withConversions() {
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new Conversions.DecimalConversion());
        data.addLogicalTypeConversion(new Conversions.UUIDConversion());
        data.addLogicalTypeConversion(new TimeConversions.DateConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
        data.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
        return data;
    }

    /** A record as a JSON object, fields in schema order. */
    public static ObjectNode toJson(IndexedRecord record) {
        return (ObjectNode) toJson(record, record.getSchema());
    }

    /** Any Avro datum of {@code schema} as JSON. */
    public static JsonNode toJson(Object datum, Schema schema) {
        if (datum == null) {
            return NODES.nullNode();
        }
        return switch (schema.getType()) {
            case NULL -> NODES.nullNode();
            case BOOLEAN -> NODES.booleanNode((Boolean) datum);
            case INT -> intValue(datum, schema.getLogicalType());
            case LONG -> longValue(datum, schema.getLogicalType());
            case FLOAT -> floating(((Number) datum).doubleValue(), true);
            case DOUBLE -> floating(((Number) datum).doubleValue(), false);
            case STRING, ENUM -> NODES.textNode(datum.toString());
            case BYTES -> bytesValue(datum, schema);
            case FIXED -> bytesValue(datum, schema);
            case ARRAY -> array((Collection<?>) datum, schema.getElementType());
            case MAP -> map((Map<?, ?>) datum, schema.getValueType());
            case RECORD -> record((IndexedRecord) datum, schema);
            case UNION -> toJson(datum, schema.getTypes().get(DATA.resolveUnion(schema, datum)));
        };
    }

    private static ObjectNode record(IndexedRecord record, Schema schema) {
        ObjectNode node = NODES.objectNode();
        for (Schema.Field field : schema.getFields()) {
            node.set(field.name(), toJson(record.get(field.pos()), field.schema()));
        }
        return node;
    }

    private static ArrayNode array(Collection<?> values, Schema element) {
        ArrayNode node = NODES.arrayNode(values.size());
        values.forEach(v -> node.add(toJson(v, element)));
        return node;
    }

    private static ObjectNode map(Map<?, ?> values, Schema valueSchema) {
        ObjectNode node = NODES.objectNode();
        values.forEach((k, v) -> node.set(k.toString(), toJson(v, valueSchema)));
        return node;
    }

    private static JsonNode intValue(Object datum, LogicalType logical) {
        if (datum instanceof LocalDate date) {
            return NODES.textNode(date.toString());
        }
        if (datum instanceof LocalTime time) {
            return NODES.textNode(time.toString());
        }
        int value = ((Number) datum).intValue();
        if (logical instanceof LogicalTypes.Date) {
            return NODES.textNode(LocalDate.ofEpochDay(value).toString());
        }
        if (logical instanceof LogicalTypes.TimeMillis) {
            return NODES.textNode(LocalTime.ofNanoOfDay(value * 1_000_000L).toString());
        }
        return NODES.numberNode(value);
    }

    private static JsonNode longValue(Object datum, LogicalType logical) {
        if (datum instanceof Instant || datum instanceof LocalDateTime || datum instanceof LocalTime) {
            return NODES.textNode(datum.toString());
        }
        long value = ((Number) datum).longValue();
        String name = logical == null ? "" : logical.getName();
        return switch (name) {
            case "timestamp-millis" -> NODES.textNode(Instant.ofEpochMilli(value).toString());
            case "timestamp-micros" -> NODES.textNode(micros(value).toString());
            case "timestamp-nanos" -> NODES.textNode(nanos(value).toString());
            case "local-timestamp-millis" -> NODES.textNode(LocalDateTime.ofInstant(Instant.ofEpochMilli(value), ZoneOffset.UTC).toString());
            case "local-timestamp-micros" -> NODES.textNode(LocalDateTime.ofInstant(micros(value), ZoneOffset.UTC).toString());
            case "local-timestamp-nanos" -> NODES.textNode(LocalDateTime.ofInstant(nanos(value), ZoneOffset.UTC).toString());
            case "time-micros" -> NODES.textNode(LocalTime.ofNanoOfDay(value * 1_000L).toString());
            default -> NODES.numberNode(value);
        };
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static Instant nanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    private static JsonNode floating(double value, boolean single) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return NODES.textNode(Double.toString(value));
        }
        return single ? NODES.numberNode((float) value) : NODES.numberNode(value);
    }

    private static JsonNode bytesValue(Object datum, Schema schema) {
        if (datum instanceof BigDecimal decimal) {
            return NODES.textNode(decimal.toPlainString());
        }
        byte[] bytes = datum instanceof GenericFixed fixed ? fixed.bytes() : bytes((ByteBuffer) datum);
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            BigInteger unscaled = bytes.length == 0 ? BigInteger.ZERO : new BigInteger(bytes);
            return NODES.textNode(new BigDecimal(unscaled, decimal.getScale()).toPlainString());
        }
        return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
