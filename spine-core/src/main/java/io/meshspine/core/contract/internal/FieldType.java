package io.meshspine.core.contract.internal;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * What a top-level field holds, logical types resolved, nullable unions unwrapped. Rules are typed
 * against this, not against the raw Avro type, so a range on a decimal compares numbers, not bytes.
 */
public record FieldType(Kind kind, Schema schema, boolean nullable) {

    public enum Kind {
        STRING, UUID, ENUM, BOOLEAN, INT, LONG, FLOAT, DOUBLE, DECIMAL, DATE,
        TIME_MILLIS, TIME_MICROS,
        TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS,
        LOCAL_TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MICROS, LOCAL_TIMESTAMP_NANOS,
        BYTES, FIXED, RECORD, ARRAY, MAP, UNION, NULL;

        public boolean isNumeric() {
            return this == INT || this == LONG || this == FLOAT || this == DOUBLE || this == DECIMAL;
        }

        public boolean isTextual() {
            return this == STRING || this == UUID || this == ENUM;
        }

        public boolean isTemporal() {
            return this == DATE || this.name().contains("TIMESTAMP");
        }
    }

    /** Classifies a field's schema; a union of null and one type counts as that type, nullable. */
    public static FieldType of(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            var branches = schema.getTypes();
            Schema nonNull = null;
            int nonNullCount = 0;
            boolean hasNull = false;
            for (Schema b : branches) {
                if (b.getType() == Schema.Type.NULL) {
                    hasNull = true;
                } else {
                    nonNull = b;
                    nonNullCount++;
                }
            }
            if (nonNullCount == 1) {
                return new FieldType(kindOf(nonNull), nonNull, hasNull);
            }
            return new FieldType(Kind.UNION, schema, hasNull);
        }
        return new FieldType(kindOf(schema), schema, false);
    }

    private static Kind kindOf(Schema s) {
        LogicalType logical = s.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal) {
            return Kind.DECIMAL;
        }
        if (logical != null) {
            switch (logical.getName()) {
                case "date": return Kind.DATE;
                case "time-millis": return Kind.TIME_MILLIS;
                case "time-micros": return Kind.TIME_MICROS;
                case "timestamp-millis": return Kind.TIMESTAMP_MILLIS;
                case "timestamp-micros": return Kind.TIMESTAMP_MICROS;
                case "timestamp-nanos": return Kind.TIMESTAMP_NANOS;
                case "local-timestamp-millis": return Kind.LOCAL_TIMESTAMP_MILLIS;
                case "local-timestamp-micros": return Kind.LOCAL_TIMESTAMP_MICROS;
                case "local-timestamp-nanos": return Kind.LOCAL_TIMESTAMP_NANOS;
                case "uuid": return Kind.UUID;
                default: break; // unknown logical types are their base type, as Avro itself treats them
            }
        }
        return switch (s.getType()) {
            case STRING -> Kind.STRING;
            case ENUM -> Kind.ENUM;
            case BOOLEAN -> Kind.BOOLEAN;
            case INT -> Kind.INT;
            case LONG -> Kind.LONG;
            case FLOAT -> Kind.FLOAT;
            case DOUBLE -> Kind.DOUBLE;
            case BYTES -> Kind.BYTES;
            case FIXED -> Kind.FIXED;
            case RECORD -> Kind.RECORD;
            case ARRAY -> Kind.ARRAY;
            case MAP -> Kind.MAP;
            case UNION -> Kind.UNION;
            case NULL -> Kind.NULL;
        };
    }

    /** The decimal scale; 0 for anything that is not a decimal. */
    public int scale() {
        return schema.getLogicalType() instanceof LogicalTypes.Decimal d ? d.getScale() : 0;
    }

    /** The type as a contract author reads it: {@code decimal(18,2)}, {@code timestamp-micros}, {@code string}. */
    public String describe() {
        String base = switch (kind) {
            case DECIMAL -> {
                var d = (LogicalTypes.Decimal) schema.getLogicalType();
                yield "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
            }
            case UNION -> "union " + schema.getTypes().stream().map(t -> t.getType().getName()).toList();
            default -> kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        };
        return nullable && kind != Kind.UNION ? "nullable " + base : base;
    }
}
