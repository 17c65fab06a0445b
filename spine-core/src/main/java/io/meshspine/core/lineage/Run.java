package io.meshspine.core.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/** The OpenLineage run: its id (a UUID, the same in every event of the run) and run facets. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Run(UUID runId, Map<String, Facet> facets) {

    public Run {
        Objects.requireNonNull(runId, "runId");
        facets = Map.copyOf(facets);
    }
}
