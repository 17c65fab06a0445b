package io.meshspine.core.contract;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how the lake sink keeps the product.
 *
 * @param bronze          whether every raw record is also kept in {@code bronze/<domain>/<dataset>}
 * @param silverMode      append (events) or upsert by the contract's keys (CDC, master data)
 * @param partitionColumn a top-level field of the schema to partition Silver by, if any
 * @param retention       how long the product's records are kept, in topics and tables
 */
public record SinkSpec(boolean bronze, SilverMode silverMode, Optional<String> partitionColumn, Duration retention) {
    public SinkSpec {
        Objects.requireNonNull(silverMode, "silverMode");
        Objects.requireNonNull(partitionColumn, "partitionColumn");
        Objects.requireNonNull(retention, "retention");
    }
}
