package io.meshspine.sink.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.sink.BatchTrigger;
import org.apache.avro.Schema;

import java.util.List;
import java.util.Optional;

/**
 * One Delta table the sink writes, and the one topic it is fed from.
 *
 * @param name            {@code bronze/<domain>/<dataset>} or {@code silver/<domain>/<dataset>_v<major>}
 * @param path            the table's root as a Hadoop URI
 * @param rowSchema       the Avro schema of a table row; the Delta schema is derived from it
 * @param partitionColumn the top-level column the table is partitioned by, if any
 * @param keyColumns      the business key (upsert identity; min/max stats for pruning); empty for Bronze
 */
public record TableSpec(String name, String path, TableKind kind, String topic, Contract contract, Schema rowSchema,
                        Optional<String> partitionColumn, List<String> keyColumns, BatchTrigger trigger) {

    public TableSpec {
        keyColumns = List.copyOf(keyColumns);
    }

    /**
     * The Delta txn app id of one source partition of one Kafka cluster: the same in every sink instance, so racing
     * writers collide on it. The cluster id is part of it because offsets mean nothing on another cluster: a lake fed
     * by a rebuilt or fail-over cluster starts that cluster's partitions from their beginning instead of skipping to
     * offsets it never had.
     */
    public String appId(String kafkaClusterId, int partition) {
        return appId(kafkaClusterId, topic, partition);
    }

    public static String appId(String kafkaClusterId, String topic, int partition) {
        return "meshspine-sink:" + kafkaClusterId + ":" + topic + ":" + partition;
    }
}
