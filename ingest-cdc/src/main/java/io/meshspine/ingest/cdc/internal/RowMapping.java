package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.cdc.ChangeEvent;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A table's row as an Avro record: derived from the columns Debezium reports (its Connect schema), but named as the
 * contract's record and typed as the contract types each column the contract knows, so the gate resolves writer to
 * contract by plain Avro resolution. Columns the contract does not know are carried as optional fields (default
 * null) typed from the column, so adding or dropping one is always a compatible new version.
 *
 * <p>Deriving is where an incompatible table is caught: a column the contract requires that is gone, a column
 * whose type the contract's cannot hold (a wider decimal, text where the contract has a number), a nullable column
 * where the contract requires a value. {@link #derive} returns those as problems, naming each column, instead of a
 * mapping; Avro's own reader/writer check runs last as a safety net.
 */
public final class RowMapping {

    private static final Logger LOG = LoggerFactory.getLogger(RowMapping.class);

    /** What deriving a row mapping gives: a mapping, or the reasons the contract cannot read this table. */
    public sealed interface Derivation permits Mapped, Incompatible {
    }

    public record Mapped(RowMapping mapping) implements Derivation {
    }

    public record Incompatible(List<String> problems) implements Derivation {
        public Incompatible {
            problems = List.copyOf(problems);
        }
    }

    private record Column(Field field, int position, Function<Object, Object> convert) {
    }

    private final Schema rowSchema;
    private final List<Column> columns;

    private RowMapping(Schema rowSchema, List<Column> columns) {
        this.rowSchema = rowSchema;
        this.columns = columns;
    }

    public Schema rowSchema() {
        return rowSchema;
    }

    /** The row's values as the row schema types them; Debezium's values are converted, never reinterpreted. */
    public GenericRecord toAvro(Struct row) {
        GenericData.Record record = new GenericData.Record(rowSchema);
        for (Column c : columns) {
            Object value = row.get(c.field());
            record.put(c.position(), value == null ? null : c.convert().apply(value));
        }
        return record;
    }

    /**
     * @param table    for messages: the captured table
     * @param columns  Debezium's Connect schema of the row ({@code after}/{@code before})
     * @param contract the contract's record schema
     */
    public static Derivation derive(String table, org.apache.kafka.connect.data.Schema columns, Schema contract) {
        List<String> problems = new ArrayList<>();
        List<Schema.Field> fields = new ArrayList<>();
        List<Column> mapped = new ArrayList<>();
        for (Field column : columns.fields()) {
            org.apache.kafka.connect.data.Schema type = column.schema();
            Schema.Field contractField = contract.getField(column.name());
            Schema fieldType;
            Function<Object, Object> convert;
            if (contractField != null) {
                Schema wanted = nonNull(contractField.schema());
                convert = toContractType(type, wanted);
                if (convert == null) {
                    problems.add("column " + column.name() + " of " + table + " is " + describe(type)
                            + ", which the contract's " + describe(wanted) + " cannot hold");
                    continue;
                }
                if (type.isOptional() && !isNullable(contractField.schema())) {
                    problems.add("column " + column.name() + " of " + table
                            + " is nullable, but the contract requires a value (declare the column NOT NULL)");
                    continue;
                }
                fieldType = type.isOptional() ? optional(wanted) : wanted;
            } else {
                Derived d = derived(type);
                fieldType = optional(d.schema());
                convert = d.convert();
            }
            Schema.Field field;
            try {
                field = fieldType.getType() == Schema.Type.UNION
                        ? new Schema.Field(column.name(), fieldType, null, Schema.Field.NULL_DEFAULT_VALUE)
                        : new Schema.Field(column.name(), fieldType, null, (Object) null);
            } catch (SchemaParseException e) {
                // Not a valid Avro name, and not in the contract (whose names are valid): nothing downstream reads it.
                LOG.warn("cdc column skipped table={} column={} reason=not-an-avro-name", table, column.name());
                continue;
            }
            fields.add(field);
            mapped.add(new Column(column, fields.size() - 1, convert));
        }
        for (Schema.Field f : contract.getFields()) {
            if (columns.field(f.name()) == null && !f.hasDefaultValue()) {
                problems.add("column " + f.name() + " is missing from " + table
                        + " (dropped?), but the contract requires it and has no default");
            }
        }
        if (!problems.isEmpty()) {
            return new Incompatible(problems);
        }
        Schema row = Schema.createRecord(contract.getName(), null, contract.getNamespace(), false, fields);
        SchemaCompatibility.SchemaPairCompatibility check = SchemaCompatibility.checkReaderWriterCompatibility(
                ChangeEvent.envelope(contract), ChangeEvent.envelope(row));
        if (check.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return new Incompatible(List.of("the contract cannot read rows of " + table + ": " + check.getDescription()));
        }
        return new Mapped(new RowMapping(row, mapped));
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElse(schema);
    }

    private static boolean isNullable(Schema schema) {
        return schema.getType() == Schema.Type.NULL
                || schema.getType() == Schema.Type.UNION && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    private static Schema optional(Schema schema) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }

    private static String describe(org.apache.kafka.connect.data.Schema type) {
        return type.name() == null ? type.type().getName() : type.type().getName() + " (" + type.name() + ")";
    }

    private static String describe(Schema avro) {
        return avro.getLogicalType() == null ? avro.getType().getName()
                : avro.getType().getName() + " (" + avro.getLogicalType().getName() + ")";
    }

    // Debezium's and Kafka Connect's logical type names.
    private static final String DBZ_DATE = "io.debezium.time.Date";
    private static final String DBZ_TIMESTAMP = "io.debezium.time.Timestamp";
    private static final String DBZ_MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    private static final String DBZ_NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp";
    private static final String DBZ_ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
    private static final String DBZ_TIME = "io.debezium.time.Time";
    private static final String DBZ_MICRO_TIME = "io.debezium.time.MicroTime";
    private static final String DBZ_NANO_TIME = "io.debezium.time.NanoTime";
    private static final String DBZ_VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal";
    private static final String CONNECT_DECIMAL = org.apache.kafka.connect.data.Decimal.LOGICAL_NAME;
    private static final String CONNECT_DATE = org.apache.kafka.connect.data.Date.LOGICAL_NAME;
    private static final String CONNECT_TIME = org.apache.kafka.connect.data.Time.LOGICAL_NAME;
    private static final String CONNECT_TIMESTAMP = org.apache.kafka.connect.data.Timestamp.LOGICAL_NAME;
    private static final String DECIMAL_PRECISION = "connect.decimal.precision";

    /** How a column's value becomes the contract's type, or null when the contract's type cannot hold it. */
    private static Function<Object, Object> toContractType(org.apache.kafka.connect.data.Schema column, Schema wanted) {
        String logical = wanted.getLogicalType() == null ? null : wanted.getLogicalType().getName();
        String name = column.name();
        if (logical != null) {
            switch (logical) {
                case "timestamp-micros":
                    return toMicros(name);
                case "timestamp-millis": {
                    Function<Object, Object> micros = toMicros(name);
                    return micros == null ? null : v -> Math.floorDiv((Long) micros.apply(v), 1000L);
                }
                case "date":
                    if (DBZ_DATE.equals(name)) {
                        return v -> v;
                    }
                    if (CONNECT_DATE.equals(name)) {
                        return v -> (int) Math.floorDiv(((java.util.Date) v).getTime(), 86_400_000L);
                    }
                    return null;
                case "time-micros":
                    if (DBZ_MICRO_TIME.equals(name)) {
                        return v -> v;
                    }
                    if (DBZ_TIME.equals(name)) {
                        return v -> ((Integer) v) * 1000L;
                    }
                    return null;
                case "time-millis":
                    return DBZ_TIME.equals(name) ? v -> v : null;
                case "decimal":
                    return toDecimal(column, (LogicalTypes.Decimal) wanted.getLogicalType());
                case "uuid":
                    return column.type() == org.apache.kafka.connect.data.Schema.Type.STRING ? Object::toString : null;
                default:
                    return null;
            }
        }
        boolean plain = name == null || !(name.startsWith("io.debezium.time.") || name.startsWith("org.apache.kafka.connect.data.")
                || name.equals(DBZ_VARIABLE_SCALE_DECIMAL));
        switch (wanted.getType()) {
            case STRING:
                return column.type() == org.apache.kafka.connect.data.Schema.Type.STRING ? Object::toString : null;
            case INT:
                return plain && isIntegral(column, false) ? v -> ((Number) v).intValue() : null;
            case LONG:
                return plain && isIntegral(column, true) ? v -> ((Number) v).longValue() : null;
            case FLOAT:
                return plain && (isIntegral(column, false) || column.type() == org.apache.kafka.connect.data.Schema.Type.FLOAT32)
                        ? v -> ((Number) v).floatValue() : null;
            case DOUBLE:
                return plain && (isIntegral(column, true) || column.type() == org.apache.kafka.connect.data.Schema.Type.FLOAT32
                        || column.type() == org.apache.kafka.connect.data.Schema.Type.FLOAT64) ? v -> ((Number) v).doubleValue() : null;
            case BOOLEAN:
                return column.type() == org.apache.kafka.connect.data.Schema.Type.BOOLEAN ? v -> v : null;
            case BYTES:
                return plain && column.type() == org.apache.kafka.connect.data.Schema.Type.BYTES ? RowMapping::bytes : null;
            default:
                return null;
        }
    }

    private static boolean isIntegral(org.apache.kafka.connect.data.Schema column, boolean longToo) {
        return switch (column.type()) {
            case INT8, INT16, INT32 -> true;
            case INT64 -> longToo;
            default -> false;
        };
    }

    private static Function<Object, Object> toMicros(String name) {
        if (name == null) {
            return null;
        }
        return switch (name) {
            case DBZ_MICRO_TIMESTAMP -> v -> v;
            case DBZ_TIMESTAMP -> v -> ((Long) v) * 1000L;
            case DBZ_NANO_TIMESTAMP -> v -> Math.floorDiv((Long) v, 1000L);
            case CONNECT_TIMESTAMP -> v -> ((java.util.Date) v).getTime() * 1000L;
            case DBZ_ZONED_TIMESTAMP -> v -> {
                var instant = OffsetDateTime.parse((String) v).toInstant();
                return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000L);
            };
            default -> null;
        };
    }

    private static Function<Object, Object> toDecimal(org.apache.kafka.connect.data.Schema column, LogicalTypes.Decimal wanted) {
        if (!CONNECT_DECIMAL.equals(column.name())) {
            return null;
        }
        Map<String, String> params = column.parameters();
        int scale = Integer.parseInt(params.get(org.apache.kafka.connect.data.Decimal.SCALE_FIELD));
        String precisionParam = params.get(DECIMAL_PRECISION);
        // Every value of the column must fit: no more fraction digits, and no more integer digits, than the contract's.
        if (scale > wanted.getScale()) {
            return null;
        }
        if (precisionParam != null && Integer.parseInt(precisionParam) - scale > wanted.getPrecision() - wanted.getScale()) {
            return null;
        }
        int targetScale = wanted.getScale();
        return v -> ByteBuffer.wrap(((BigDecimal) v).setScale(targetScale).unscaledValue().toByteArray());
    }

    private static Object bytes(Object v) {
        return v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
    }

    private record Derived(Schema schema, Function<Object, Object> convert) {
    }

    /** The Avro type of a column the contract does not know, from its Connect type. */
    private static Derived derived(org.apache.kafka.connect.data.Schema column) {
        String name = column.name();
        if (name != null) {
            switch (name) {
                case CONNECT_DECIMAL: {
                    int scale = Integer.parseInt(column.parameters().get(org.apache.kafka.connect.data.Decimal.SCALE_FIELD));
                    String p = column.parameters().get(DECIMAL_PRECISION);
                    int precision = p == null ? Math.max(38, scale) : Math.max(Integer.parseInt(p), Math.max(scale, 1));
                    Schema s = LogicalTypes.decimal(precision, scale).addToSchema(Schema.create(Schema.Type.BYTES));
                    return new Derived(s, v -> ByteBuffer.wrap(((BigDecimal) v).unscaledValue().toByteArray()));
                }
                case DBZ_DATE:
                    return new Derived(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)), v -> v);
                case CONNECT_DATE:
                    return new Derived(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)),
                            v -> (int) Math.floorDiv(((java.util.Date) v).getTime(), 86_400_000L));
                case DBZ_MICRO_TIMESTAMP:
                    return new Derived(LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG)), v -> v);
                case DBZ_TIMESTAMP:
                    return new Derived(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)), v -> v);
                case CONNECT_TIMESTAMP:
                    return new Derived(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)),
                            v -> ((java.util.Date) v).getTime());
                case DBZ_MICRO_TIME:
                    return new Derived(LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG)), v -> v);
                case DBZ_TIME:
                    return new Derived(LogicalTypes.timeMillis().addToSchema(Schema.create(Schema.Type.INT)), v -> v);
                case CONNECT_TIME:
                    return new Derived(LogicalTypes.timeMillis().addToSchema(Schema.create(Schema.Type.INT)),
                            v -> (int) (((java.util.Date) v).getTime() % 86_400_000L));
                case DBZ_VARIABLE_SCALE_DECIMAL:
                    // A numeric without declared scale: no fixed Avro decimal fits, the exact text does.
                    return new Derived(Schema.create(Schema.Type.STRING), v -> {
                        Struct s = (Struct) v;
                        return new BigDecimal(new BigInteger(bytesOf(s.get("value"))), s.getInt32("scale")).toPlainString();
                    });
                default:
                    break;
            }
        }
        return switch (column.type()) {
            case INT8, INT16, INT32 -> new Derived(Schema.create(Schema.Type.INT), v -> ((Number) v).intValue());
            case INT64 -> new Derived(Schema.create(Schema.Type.LONG), v -> v);
            case FLOAT32 -> new Derived(Schema.create(Schema.Type.FLOAT), v -> v);
            case FLOAT64 -> new Derived(Schema.create(Schema.Type.DOUBLE), v -> v);
            case BOOLEAN -> new Derived(Schema.create(Schema.Type.BOOLEAN), v -> v);
            case STRING -> new Derived(Schema.create(Schema.Type.STRING), Object::toString);
            case BYTES -> new Derived(Schema.create(Schema.Type.BYTES), RowMapping::bytes);
            // Arrays, maps and structs the contract does not name: their text, so nothing of the row is lost.
            default -> new Derived(Schema.create(Schema.Type.STRING), Object::toString);
        };
    }

    private static byte[] bytesOf(Object v) {
        if (v instanceof ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
        return (byte[]) v;
    }
}
