package io.meshspine.sink.internal;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a decoded record's values fit the table's columns. Avro does not enforce a decimal's precision (the bytes
 * hold any unscaled value), Delta and its readers do: a value with more digits than its column would make the whole
 * file unreadable, so that record is refused here, one record at a time. The decimal columns of a schema are found
 * once; a record costs one look per decimal value.
 */
final class ColumnFit {

    private static final Map<Schema, ColumnFit> BY_SCHEMA = new ConcurrentHashMap<>();

    private record Decimal(int pos, String name, int precision, int scale, int safeBytes) {
    }

    private record Nested(int pos, String name, ColumnFit fit) {
    }

    private final List<Decimal> decimals = new ArrayList<>();
    private final List<Nested> nested = new ArrayList<>();

    private ColumnFit(Schema schema) {
        for (Schema.Field f : schema.getFields()) {
            Schema s = DeltaSchemas.nonNull(f.name(), f.schema());
            if (s.getLogicalType() instanceof LogicalTypes.Decimal d) {
                // A two's-complement value of this many bytes cannot reach 10^precision.
                int safeBytes = (int) ((d.getPrecision() * 3.3219) + 1) / 8;
                decimals.add(new Decimal(f.pos(), f.name(), d.getPrecision(), d.getScale(), safeBytes));
            } else if (s.getType() == Schema.Type.RECORD) {
                nested.add(new Nested(f.pos(), f.name(), of(s)));
            }
        }
    }

    static ColumnFit of(Schema schema) {
        ColumnFit fit = BY_SCHEMA.get(schema);
        if (fit == null) {
            fit = new ColumnFit(schema);
            BY_SCHEMA.put(schema, fit);
        }
        return fit;
    }

    /** The first value that does not fit, described without the value itself (it may be PII). */
    static Optional<String> problem(GenericRecord record) {
        return of(record.getSchema()).check(record);
    }

    private Optional<String> check(GenericRecord record) {
        for (Decimal d : decimals) {
            Object v = record.get(d.pos);
            if (v == null || v instanceof ByteBuffer b && b.remaining() <= d.safeBytes) {
                continue;
            }
            BigInteger unscaled = unscaled(v);
            if (unscaled != null && unscaled.abs().compareTo(BigInteger.TEN.pow(d.precision)) >= 0) {
                return Optional.of("column " + d.name + ": the value has more than the decimal(" + d.precision + ","
                        + d.scale + ") column's " + d.precision + " digits");
            }
        }
        for (Nested n : nested) {
            Object v = record.get(n.pos);
            if (v instanceof GenericRecord r) {
                Optional<String> p = n.fit.check(r);
                if (p.isPresent()) {
                    return Optional.of("column " + n.name + "." + p.get());
                }
            }
        }
        return Optional.empty();
    }

    private static BigInteger unscaled(Object v) {
        if (v instanceof ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return bytes.length == 0 ? BigInteger.ZERO : new BigInteger(bytes);
        }
        if (v instanceof GenericFixed f) {
            return new BigInteger(f.bytes());
        }
        return null;
    }
}
