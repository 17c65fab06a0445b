package io.meshspine.core.contract;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The contract's SLOs (ODCS {@code slaProperties}).
 *
 * @param freshness    max age of the newest record in Silver before the product counts as stale
 * @param completeness min share (0..1] of records that pass the gate over the alerting window
 */
public record ServiceLevels(Optional<Duration> freshness, OptionalDouble completeness) {
    public static final ServiceLevels NONE = new ServiceLevels(Optional.empty(), OptionalDouble.empty());
}
