package io.meshspine.core.lineage;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One OpenLineage facet: the base facet's {@code _producer} and {@code _schemaURL} (both required by the spec) and
 * the facet's own fields, serialised beside them. Built by {@link Facets}; the fields are immutable.
 */
@JsonPropertyOrder({"_producer", "_schemaURL"})
public record Facet(@JsonProperty("_producer") String producer, @JsonProperty("_schemaURL") String schemaUrl,
                    Map<String, Object> fields) {

    public Facet {
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(schemaUrl, "schemaUrl");
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    @JsonAnyGetter
    @Override
    public Map<String, Object> fields() {
        return fields;
    }
}
