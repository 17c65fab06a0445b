package io.meshspine.core.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;
import java.util.Objects;

/** A dataset a run wrote, named by the OpenLineage naming spec (see {@link Datasets}), with dataset and output facets. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record OutputDataset(String namespace, String name, Map<String, Facet> facets, Map<String, Facet> outputFacets) {

    public OutputDataset {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        facets = Map.copyOf(facets);
        outputFacets = Map.copyOf(outputFacets);
    }

    public OutputDataset withFacet(String key, Facet facet) {
        Map<String, Facet> m = new java.util.LinkedHashMap<>(facets);
        m.put(key, facet);
        return new OutputDataset(namespace, name, m, outputFacets);
    }

    public OutputDataset withOutputFacet(String key, Facet facet) {
        Map<String, Facet> m = new java.util.LinkedHashMap<>(outputFacets);
        m.put(key, facet);
        return new OutputDataset(namespace, name, facets, m);
    }
}
