package io.meshspine.sink.internal;

import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * A row's business key as comparable values, the same whether it comes from a decoded Kafka key or a row read back
 * from Parquet (strings compare as strings, whatever Avro's string class).
 */
record BusinessKey(List<Comparable<?>> values) implements Comparable<BusinessKey> {

    static BusinessKey of(GenericRecord record, List<String> fields) {
        List<Comparable<?>> values = new ArrayList<>(fields.size());
        for (String f : fields) {
            values.add(normalize(record.get(f)));
        }
        return new BusinessKey(values);
    }

    /** The first key column's value: what file min/max stats prune by. */
    Comparable<?> first() {
        return values.get(0);
    }

    static Comparable<?> normalize(Object v) {
        if (v instanceof CharSequence cs) {
            return cs.toString();
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v == null || v instanceof Comparable<?>) {
            return (Comparable<?>) v;
        }
        return v.toString();
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public int compareTo(BusinessKey o) {
        for (int i = 0; i < values.size(); i++) {
            Comparable a = values.get(i);
            Comparable b = o.values.get(i);
            if (a == null || b == null) {
                int c = a == null ? (b == null ? 0 : -1) : 1;
                if (c != 0) {
                    return c;
                }
                continue;
            }
            int c = a.compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
