package io.meshspine.sink.internal;

import io.delta.standalone.types.ArrayType;
import io.delta.standalone.types.BinaryType;
import io.delta.standalone.types.BooleanType;
import io.delta.standalone.types.DataType;
import io.delta.standalone.types.DateType;
import io.delta.standalone.types.DecimalType;
import io.delta.standalone.types.DoubleType;
import io.delta.standalone.types.FloatType;
import io.delta.standalone.types.IntegerType;
import io.delta.standalone.types.LongType;
import io.delta.standalone.types.MapType;
import io.delta.standalone.types.StringType;
import io.delta.standalone.types.StructField;
import io.delta.standalone.types.StructType;
import io.meshspine.sink.IncompatibleTableSchemaException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.List;

/**
 * Avro row schemas as Delta schemas, mapped faithfully: decimal to decimal(p,s), date to date, timestamp-micros and
 * -millis to timestamp (UTC), uuid to string, {@code [null, T]} to a nullable T. Anything Delta cannot hold as the
 * same value (other unions, local timestamps) is refused.
 */
public final class DeltaSchemas {

    private DeltaSchemas() {
    }

    public static StructType toDelta(Schema record) {
        return struct(record, false);
    }

    /** Delta allows no NOT NULL inside arrays and maps: there every nested field is nullable. */
    private static StructType struct(Schema record, boolean inCollection) {
        List<StructField> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            Schema s = f.schema();
            boolean nullable = false;
            if (s.getType() == Schema.Type.UNION) {
                s = nonNull(f.name(), s);
                nullable = true;
            }
            fields.add(new StructField(f.name(), type(f.name(), s, inCollection), nullable || inCollection));
        }
        return new StructType(fields.toArray(StructField[]::new));
    }

    /** The one non-null branch of {@code [null, T]}. */
    public static Schema nonNull(String field, Schema union) {
        if (union.getType() != Schema.Type.UNION) {
            return union;
        }
        List<Schema> types = union.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
        if (types.size() != 1 || union.getTypes().size() != 2) {
            throw new IncompatibleTableSchemaException("field " + field + ": only [null, T] unions map to a Delta column, not " + union);
        }
        return types.get(0);
    }

    private static DataType type(String field, Schema s, boolean inCollection) {
        LogicalType logical = s.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal d) {
            return new DecimalType(d.getPrecision(), d.getScale());
        }
        if (logical instanceof LogicalTypes.Date) {
            return new DateType();
        }
        if (logical instanceof LogicalTypes.TimestampMicros || logical instanceof LogicalTypes.TimestampMillis) {
            return new io.delta.standalone.types.TimestampType();
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros || logical instanceof LogicalTypes.LocalTimestampMillis) {
            throw new IncompatibleTableSchemaException("field " + field + ": local timestamps need Delta's timestampNtz feature, which the sink does not enable");
        }
        switch (s.getType()) {
            case STRING:
            case ENUM:
                return new StringType();
            case INT:
                return new IntegerType();
            case LONG:
                return new LongType();
            case FLOAT:
                return new FloatType();
            case DOUBLE:
                return new DoubleType();
            case BOOLEAN:
                return new BooleanType();
            case BYTES:
            case FIXED:
                return new BinaryType();
            case RECORD:
                return struct(s, inCollection);
            case ARRAY: {
                Schema element = s.getElementType();
                boolean nullable = element.getType() == Schema.Type.UNION;
                return new ArrayType(type(field, nonNull(field, element), true), nullable);
            }
            case MAP: {
                Schema value = s.getValueType();
                boolean nullable = value.getType() == Schema.Type.UNION;
                return new MapType(new StringType(), type(field, nonNull(field, value), true), nullable);
            }
            case UNION:
                return type(field, nonNull(field, s), inCollection);
            default:
                throw new IncompatibleTableSchemaException("field " + field + ": Avro type " + s.getType() + " has no Delta column type");
        }
    }

    /**
     * Whether {@code desired} may replace {@code existing}: every existing column kept with the same type (nullability
     * may only widen), new columns nullable. Returns true when the schemas differ (a metadata update is due).
     *
     * @throws IncompatibleTableSchemaException naming every offending column
     */
    public static boolean checkEvolution(String table, StructType existing, StructType desired) {
        List<String> problems = new ArrayList<>();
        for (StructField old : existing.getFields()) {
            if (!has(desired, old.getName())) {
                problems.add("column " + old.getName() + " was removed");
                continue;
            }
            StructField now = desired.get(old.getName());
            if (!now.getDataType().equals(old.getDataType())) {
                problems.add("column " + old.getName() + " changed type from " + old.getDataType().getSimpleString() + " to "
                        + now.getDataType().getSimpleString());
            } else if (old.isNullable() && !now.isNullable()) {
                problems.add("column " + old.getName() + " became required");
            }
        }
        for (StructField now : desired.getFields()) {
            if (!has(existing, now.getName()) && !now.isNullable()) {
                problems.add("new column " + now.getName() + " is required (only optional fields can be added)");
            }
        }
        if (!problems.isEmpty()) {
            throw new IncompatibleTableSchemaException("table " + table + " cannot take the contract's schema: " + String.join("; ", problems));
        }
        return !existing.equals(desired);
    }

    public static boolean has(StructType type, String name) {
        return java.util.Arrays.asList(type.getFieldNames()).contains(name);
    }
}
