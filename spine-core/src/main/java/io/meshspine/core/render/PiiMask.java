package io.meshspine.core.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * What of a record may be printed: everything (product topics, already masked; or {@code --show-pii}), everything but
 * the contracts' PII fields (raw records), or nothing at all when no contract says which fields are PII. A masked
 * field shows {@value #MASKED}, whatever the contract's masking (hash, redact, tokenize); {@code none} fields show.
 */
public sealed interface PiiMask {

    String MASKED = "[pii:masked]";

    /** Print the record as it is. */
    record ShowAll() implements PiiMask {
    }

    /** Print the record with these top-level fields masked, and bytes that do not decode not at all. */
    record MaskFields(Set<String> fields) implements PiiMask {
        public MaskFields {
            fields = Set.copyOf(fields);
        }
    }

    /** Print nothing of the payload: which of its fields are PII is unknown. */
    record Withhold(String why) implements PiiMask {
    }

    static PiiMask showAll() {
        return new ShowAll();
    }

    /** Decoded records as they are, but bytes that do not decode withheld: nobody knows what is in them. */
    static PiiMask rawBytesWithheld() {
        return new MaskFields(Set.of());
    }

    /** The PII fields (masking other than {@code none}) of every contract given; they all describe the same records. */
    static PiiMask of(Collection<Contract> contracts) {
        Set<String> fields = new TreeSet<>();
        for (Contract c : contracts) {
            c.pii().stream().filter(p -> p.masking() != Masking.NONE).map(PiiField::field).forEach(fields::add);
        }
        return fields.isEmpty() ? showAll() : new MaskFields(fields);
    }

    /** Whether bytes that do not decode may be printed (as base64): only when nothing in them needs masking. */
    default boolean mayPrintRawBytes() {
        return this instanceof ShowAll;
    }

    /** Masks the PII fields of a decoded record in place (a record's JSON object); anything else is left as it is. */
    default JsonNode apply(JsonNode json) {
        if (this instanceof MaskFields m && json instanceof ObjectNode object) {
            for (String field : m.fields()) {
                JsonNode value = object.get(field);
                if (value != null && !value.isNull()) {
                    object.put(field, MASKED);
                }
            }
        }
        return json;
    }
}
