package io.meshspine.sink.internal;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Whether a decoded record's values fit the table's columns. Avro does not enforce a decimal's precision (the bytes
 * hold any unscaled value), Delta and its readers do: a value with more digits than its column would make the whole
 * file unreadable, so that record is refused here, one record at a time.
 */
final class ColumnFit {

    private ColumnFit() {
    }

    /** The first value that does not fit, described without the value itself (it may be PII). */
    static Optional<String> problem(GenericRecord record) {
        for (Schema.Field f : record.getSchema().getFields()) {
            Object v = record.get(f.pos());
            if (v == null) {
                if (f.schema().getType() != Schema.Type.UNION) {
                    return Optional.of("required column " + f.name() + " is null");
                }
                continue;
            }
            Schema s = DeltaSchemas.nonNull(f.name(), f.schema());
            LogicalType logical = s.getLogicalType();
            if (logical instanceof LogicalTypes.Decimal d) {
                if (v instanceof ByteBuffer b && b.remaining() * 8 - 1 < (int) (d.getPrecision() * 3.3219)) {
                    continue; // too few bits to reach 10^precision
                }
                BigInteger unscaled = unscaled(v);
                if (unscaled != null && unscaled.abs().compareTo(BigInteger.TEN.pow(d.getPrecision())) >= 0) {
                    return Optional.of("column " + f.name() + ": the value has more than the decimal(" + d.getPrecision() + ","
                            + d.getScale() + ") column's " + d.getPrecision() + " digits");
                }
            } else if (s.getType() == Schema.Type.RECORD && v instanceof GenericRecord nested) {
                Optional<String> p = problem(nested);
                if (p.isPresent()) {
                    return Optional.of("column " + f.name() + "." + p.get());
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
