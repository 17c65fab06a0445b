package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.DataSubject;
import io.meshspine.core.contract.PiiField;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * {@code subject: {field: ...}}, a spine extension beside ODCS's fields: the data subject whose key encrypts the
 * record's PII at rest. The field must exist, be one of the contract's PII fields (a subject value is personal data,
 * and its key is found by it) and hold a string or a whole number, whose text is the same on every lane.
 */
final class SubjectSection {

    private static final String WHERE = "subject";
    private static final String FIELD = "subject.field";

    private final ContractFile file;

    SubjectSection(ContractFile file) {
        this.file = file;
    }

    /** {@link DataSubject#NONE} when the section is absent (or has a problem, which is then reported). */
    DataSubject read(Mapping top, Schema schema, List<PiiField> pii) {
        YamlNode node = top.get(WHERE);
        if (node == null) {
            return DataSubject.NONE;
        }
        Mapping m = file.mapping(node, WHERE);
        if (m == null) {
            return DataSubject.NONE;
        }
        file.unknownKeys(m, WHERE, Set.of("field"));
        YamlNode fieldNode = m.get("field");
        if (fieldNode == null) {
            file.problem(m.line(), null, FIELD + ": missing (the field that names the data subject)");
            return DataSubject.NONE;
        }
        String field = file.scalarText(fieldNode, FIELD);
        if (field == null) {
            return DataSubject.NONE;
        }
        if (schema != null) {
            Schema.Field f = schema.getField(field);
            if (f == null) {
                file.problem(fieldNode.line(), field, FIELD + ": no such field in schema " + schema.getFullName());
                return DataSubject.NONE;
            }
            FieldType type = FieldType.of(f.schema());
            boolean usable = type.kind() == FieldType.Kind.STRING || type.kind() == FieldType.Kind.UUID
                    || type.kind() == FieldType.Kind.INT || type.kind() == FieldType.Kind.LONG;
            if (!usable) {
                file.problem(fieldNode.line(), field, FIELD + ": a data subject must be a string or a whole number, found " + type.describe());
            }
        }
        if (pii.stream().noneMatch(p -> p.field().equals(field))) {
            file.problem(fieldNode.line(), field, FIELD + ": the data subject must be one of the contract's pii fields");
        }
        return DataSubject.of(field);
    }
}
