package io.meshspine.core.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;
import java.util.Objects;

/** The OpenLineage job: a namespace (the spine's, {@code lineage.namespace}) and a name unique in it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Job(String namespace, String name, Map<String, Facet> facets) {

    public Job {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        facets = Map.copyOf(facets);
    }
}
