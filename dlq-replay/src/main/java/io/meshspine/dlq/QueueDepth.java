package io.meshspine.dlq;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The active queue's depth for the depth gauges, counted from the index: dead letters by {@code [contract, failure
 * type]} (each once, whatever rules it broke) and the oldest one's time per contract.
 */
public record QueueDepth(Map<List<String>, Long> byContractAndType, Map<String, Instant> oldestByContract) {

    /** The contract label of dead letters that name none. */
    public static final String UNKNOWN = "unknown";

    public QueueDepth {
        byContractAndType = Map.copyOf(byContractAndType);
        oldestByContract = Map.copyOf(oldestByContract);
    }
}
