package io.meshspine.core.contract;

import java.util.Objects;

/** A top-level field that holds personal data, and how it is masked on the product topic. */
public record PiiField(String field, Masking masking) {
    public PiiField {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(masking, "masking");
    }
}
