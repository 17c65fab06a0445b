package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.Classification;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/** {@code pii}: the personal fields and how each is masked, checked against the field's type, the keys and the classification. */
final class PiiSection {

    private final ContractFile file;

    PiiSection(ContractFile file) {
        this.file = file;
    }

    List<PiiField> read(Mapping top, Schema schema, Classification classification, List<String> keys) {
        YamlNode node = top.get("pii");
        if (node == null) {
            return List.of();
        }
        Sequence seq = file.sequence(node, "pii");
        if (seq == null) {
            return List.of();
        }
        List<PiiField> pii = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String where = "pii[" + i + "]";
            Mapping m = file.mapping(seq.items().get(i), where);
            if (m == null) {
                continue;
            }
            file.unknownKeys(m, where, Set.of("field", "masking", "description"));
            String field = file.requiredString(m, "field", where);
            Masking masking = file.enumValue(m, "masking", where, Masking.values(), Masking::fromConfig, null);
            if (field == null || masking == null) {
                continue;
            }
            int line = m.lineOf("field");
            if (!seen.add(field)) {
                file.problem(line, field, where + ": field listed twice");
            }
            if (schema != null) {
                Schema.Field f = schema.getField(field);
                if (f == null) {
                    file.problem(line, field, where + ": no such field in schema " + schema.getFullName());
                    continue;
                }
                FieldType type = FieldType.of(f.schema());
                boolean text = type.kind() == FieldType.Kind.STRING || type.kind() == FieldType.Kind.UUID;
                if ((masking == Masking.HASH || masking == Masking.TOKENIZE) && !text) {
                    file.problem(m.lineOf("masking"), field, where + ": masking " + masking + " needs a string field, found " + type.describe());
                }
                if (masking == Masking.REDACT && !text && !type.nullable()) {
                    file.problem(m.lineOf("masking"), field, where + ": masking redact needs a string or nullable field, found " + type.describe());
                }
                if (masking == Masking.REDACT && keys.contains(field)) {
                    file.problem(m.lineOf("masking"), field, where + ": a key field cannot be redacted (every record would share one key); use hash");
                }
            }
            pii.add(new PiiField(field, masking));
        }
        if (!pii.isEmpty() && classification == Classification.PUBLIC) {
            file.problem(top.lineOf("classification"), null, "classification: a public product cannot carry PII fields");
        }
        return pii;
    }
}
