package io.meshspine.core.contract;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/** Builds generic records the way decoders hand them over (Utf8 strings, decimal bytes). */
final class Records {
    private Records() {
    }

    static Schema schema(String json) {
        return new Schema.Parser().parse(json);
    }

    static GenericRecord record(Schema schema, Object... namesAndValues) {
        GenericData.Record r = new GenericData.Record(schema);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            r.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return r;
    }

    static Utf8 utf8(String s) {
        return new Utf8(s);
    }

    /** Decimal bytes for a value, scaled as the field's logical type says. */
    static ByteBuffer decimal(String value, int scale) {
        BigDecimal d = new BigDecimal(value).setScale(scale);
        return new Conversions.DecimalConversion().toBytes(d, null, LogicalTypes.decimal(38, scale));
    }
}
