package io.meshspine.core.contract.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Reads one top-level field. The field's position is resolved once against the contract's schema;
 * a record decoded with another schema instance (a writer schema, say) falls back to lookup by name.
 */
public final class FieldAccessor {
    private final String name;
    private final Schema recordSchema;
    private final int position;
    private final FieldType type;

    private FieldAccessor(String name, Schema recordSchema, int position, FieldType type) {
        this.name = name;
        this.recordSchema = recordSchema;
        this.position = position;
        this.type = type;
    }

    /** Null when the record schema has no such field. */
    public static FieldAccessor of(Schema recordSchema, String name) {
        Schema.Field field = recordSchema.getField(name);
        if (field == null) {
            return null;
        }
        return new FieldAccessor(name, recordSchema, field.pos(), FieldType.of(field.schema()));
    }

    public String name() {
        return name;
    }

    public FieldType type() {
        return type;
    }

    public Object get(GenericRecord record) {
        Schema actual = record.getSchema();
        if (actual == recordSchema) {
            return record.get(position);
        }
        Schema.Field field = actual.getField(name);
        return field == null ? null : record.get(field.pos());
    }
}
