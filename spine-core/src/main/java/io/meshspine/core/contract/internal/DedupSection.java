package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.EventIdentity;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * {@code dedup: {fields: [...]}}, a spine extension beside ODCS's {@code keys}: the fields that
 * identify one event, so a re-sent event without a source position is recognised. Each field must
 * be of a type a business key may have: a nullable field would let unrelated events that lack it
 * collide, and a collision drops an event as a duplicate.
 */
final class DedupSection {

    private static final String WHERE = "dedup";
    private static final String FIELDS = "dedup.fields";

    private final ContractFile file;

    DedupSection(ContractFile file) {
        this.file = file;
    }

    /** {@link EventIdentity#NONE} when the section is absent (or has a problem, which is then reported). */
    EventIdentity read(Mapping top, Schema schema) {
        YamlNode node = top.get(WHERE);
        if (node == null) {
            return EventIdentity.NONE;
        }
        Mapping m = file.mapping(node, WHERE);
        if (m == null) {
            return EventIdentity.NONE;
        }
        file.unknownKeys(m, WHERE, Set.of("fields"));
        YamlNode fieldsNode = m.get("fields");
        if (fieldsNode == null) {
            file.problem(m.line(), null, FIELDS + ": missing (the fields that identify one event)");
            return EventIdentity.NONE;
        }
        Sequence seq = file.sequence(fieldsNode, FIELDS);
        if (seq == null) {
            return EventIdentity.NONE;
        }
        if (seq.items().isEmpty()) {
            file.problem(fieldsNode.line(), null, FIELDS + ": at least one field is needed (or leave dedup out)");
            return EventIdentity.NONE;
        }
        List<String> fields = new ArrayList<>();
        for (YamlNode item : seq.items()) {
            String field = file.scalarText(item, FIELDS);
            if (field == null) {
                continue;
            }
            if (fields.contains(field)) {
                file.problem(item.line(), field, FIELDS + ": listed twice");
                continue;
            }
            fields.add(field);
            if (schema != null) {
                Schema.Field f = schema.getField(field);
                if (f == null) {
                    file.problem(item.line(), field, FIELDS + ": no such field in schema " + schema.getFullName());
                } else {
                    KeysSection.unkeyable(FieldType.of(f.schema()))
                            .ifPresent(why -> file.problem(item.line(), field, FIELDS + ": an event identity field " + why));
                }
            }
        }
        return new EventIdentity(fields);
    }
}
