package io.meshspine.core.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;
import java.util.Objects;

/** A dataset a run read, named by the OpenLineage naming spec (see {@link Datasets}), with dataset and input facets. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record InputDataset(String namespace, String name, Map<String, Facet> facets, Map<String, Facet> inputFacets) {

    public InputDataset {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        facets = Map.copyOf(facets);
        inputFacets = Map.copyOf(inputFacets);
    }

    public InputDataset withInputFacet(String key, Facet facet) {
        Map<String, Facet> m = new java.util.LinkedHashMap<>(inputFacets);
        m.put(key, facet);
        return new InputDataset(namespace, name, facets, m);
    }
}
