package io.meshspine.core.lineage;

import io.meshspine.core.contract.ConfigValue;

/** Where run events go ({@code lineage.transport}). */
public enum TransportKind implements ConfigValue {
    /** JSON lines appended to {@code lineage.file}. */
    FILE,
    /** The {@code spine.lineage} topic, keyed by run id. */
    KAFKA,
    /** POSTed to a Marquez-compatible {@code lineage.url} ({@code /api/v1/lineage}). */
    HTTP,
    /** Nowhere: lineage off. */
    NONE
}
