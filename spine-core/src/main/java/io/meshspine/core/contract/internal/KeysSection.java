package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/** {@code keys}: the business key fields, in order; the Kafka key of every record is a record of them. */
final class KeysSection {

    private final ContractFile file;

    KeysSection(ContractFile file) {
        this.file = file;
    }

    List<String> read(Mapping top, Schema schema) {
        YamlNode node = top.get("keys");
        if (node == null) {
            file.problem(top.line(), null, "keys: missing (the business key fields; they key every Kafka record)");
            return List.of();
        }
        Sequence seq = file.sequence(node, "keys");
        if (seq == null) {
            return List.of();
        }
        if (seq.items().isEmpty()) {
            file.problem(node.line(), null, "keys: at least one key field is needed");
        }
        List<String> keys = new ArrayList<>();
        for (YamlNode item : seq.items()) {
            String key = file.scalarText(item, "keys");
            if (key == null) {
                continue;
            }
            if (keys.contains(key)) {
                file.problem(item.line(), key, "keys: listed twice");
            }
            keys.add(key);
            if (schema != null) {
                Schema.Field f = schema.getField(key);
                if (f == null) {
                    file.problem(item.line(), key, "keys: no such field in schema " + schema.getFullName());
                } else {
                    unkeyable(FieldType.of(f.schema())).ifPresent(why -> file.problem(item.line(), key, "keys: a key field " + why));
                }
            }
        }
        return keys;
    }

    /**
     * Why a field of this type cannot identify a record (it is nullable, or of a type without a
     * stable text form), or empty when it can. Shared with {@code dedup}, whose fields identify an event.
     */
    static Optional<String> unkeyable(FieldType type) {
        if (type.nullable()) {
            return Optional.of("cannot be nullable");
        }
        if (!isKeyable(type.kind())) {
            return Optional.of("must be a string, enum, number, date or timestamp, found " + type.describe());
        }
        return Optional.empty();
    }

    private static boolean isKeyable(FieldType.Kind kind) {
        return kind.isTextual() || kind.isNumeric() || kind.isTemporal() || kind == FieldType.Kind.BOOLEAN;
    }
}
