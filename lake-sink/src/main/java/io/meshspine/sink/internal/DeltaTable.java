package io.meshspine.sink.internal;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Metadata;
import io.delta.standalone.types.StructType;
import io.meshspine.sink.IncompatibleTableSchemaException;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One Delta table's log, as the sink uses it: its schema checked against the contract at start, a pending metadata
 * update (new table, or new optional columns) applied in the next data commit, and the txn versions that say which
 * Kafka offsets the table already holds.
 */
public final class DeltaTable {

    private static final Logger log = LoggerFactory.getLogger(DeltaTable.class);

    /** The Avro schema of a row, kept in the table's configuration so maintenance can read and rewrite files alone. */
    public static final String AVRO_SCHEMA = "meshspine.avro.schema";
    public static final String KIND = "meshspine.table.kind";
    public static final String KEYS = "meshspine.keys";
    /**
     * The shortest vacuum retention that cannot delete a file a writer of this table may still commit (ISO-8601); raised,
     * never lowered, by the sink whose batches may stay open longest. Vacuum from the CLI refuses less.
     */
    public static final String MIN_VACUUM_RETENTION = "meshspine.vacuum.min-retention";
    /** The topic the table is fed from (for reset-offsets, which has only the table's name). */
    public static final String SOURCE_TOPIC = "meshspine.source.topic";
    /** {@code meshspine.source.topic-id.<kafka cluster id>}: the id of the topic the table's offsets belong to. */
    public static final String TOPIC_ID_PREFIX = "meshspine.source.topic-id.";
    public static final String ENGINE_INFO = "meshspine-lake-sink/0.1";

    private final TableSpec spec;
    private final DeltaLog deltaLog;
    private final StructType schema;
    /** The source topic's id on the cluster being read, recorded in the next commit if the table has none for it. */
    private volatile String topicIdKey;
    private volatile String topicId;

    public DeltaTable(TableSpec spec, Configuration conf) {
        this.spec = spec;
        this.deltaLog = DeltaLog.forTable(conf, spec.path());
        this.schema = DeltaSchemas.toDelta(spec.rowSchema());
    }

    public TableSpec spec() {
        return spec;
    }

    public DeltaLog deltaLog() {
        return deltaLog;
    }

    /**
     * Checks the existing table (if any) against the contract's schema, so an incompatible contract fails the sink at
     * start, loudly, before it reads a record.
     */
    public void verify() {
        var snapshot = deltaLog.update();
        if (snapshot.getVersion() < 0) {
            log.info("table new table={} path={}", spec.name(), spec.path());
            return;
        }
        Metadata existing = snapshot.getMetadata();
        checkPartitioning(existing);
        if (DeltaSchemas.checkEvolution(spec.name(), existing.getSchema(), schema)) {
            log.info("table schema evolves table={} newColumns={}", spec.name(), newColumns(existing.getSchema()));
        }
    }

    /** A transaction with the table's metadata brought up to the contract's schema, if it is behind. */
    public OptimisticTransaction begin() {
        OptimisticTransaction txn = deltaLog.startTransaction();
        metadataUpdate(txn).ifPresent(txn::updateMetadata);
        return txn;
    }

    private Optional<Metadata> metadataUpdate(OptimisticTransaction txn) {
        Map<String, String> config = new HashMap<>();
        config.put(AVRO_SCHEMA, spec.rowSchema().toString());
        config.put(KIND, spec.kind().label());
        config.put(KEYS, String.join(",", spec.keyColumns()));
        config.put(MIN_VACUUM_RETENTION, spec.trigger().minVacuumRetention().toString());
        config.put(SOURCE_TOPIC, spec.topic());
        String idKey = topicIdKey;
        if (idKey != null) {
            config.put(idKey, topicId);
        }
        if (txn.readVersion() < 0) {
            return Optional.of(Metadata.builder().id(UUID.randomUUID().toString()).name(spec.name())
                    .description("meshspine " + spec.kind().label() + " table fed by " + spec.topic())
                    .partitionColumns(spec.partitionColumn().map(List::of).orElse(List.of())).configuration(config)
                    .createdTime(System.currentTimeMillis()).schema(schema).build());
        }
        Metadata existing = txn.metadata();
        checkPartitioning(existing);
        boolean changed = DeltaSchemas.checkEvolution(spec.name(), existing.getSchema(), schema);
        String recordedFloor = existing.getConfiguration().get(MIN_VACUUM_RETENTION);
        boolean floorRaised = recordedFloor == null || java.time.Duration.parse(recordedFloor).compareTo(spec.trigger().minVacuumRetention()) < 0;
        Map<String, String> had = existing.getConfiguration();
        boolean sourceKnown = had.containsKey(SOURCE_TOPIC) && (idKey == null || had.containsKey(idKey));
        if (!changed && had.containsKey(AVRO_SCHEMA) && !floorRaised && sourceKnown) {
            return Optional.empty();
        }
        Map<String, String> merged = new HashMap<>(existing.getConfiguration());
        merged.putAll(config);
        if (!floorRaised) {
            merged.put(MIN_VACUUM_RETENTION, recordedFloor);
        }
        if (idKey != null && had.containsKey(idKey)) {
            merged.put(idKey, had.get(idKey)); // a different id is a recreated topic: only reset-offsets replaces it
        }
        return Optional.of(existing.copyBuilder().schema(schema).configuration(merged).build());
    }

    private void checkPartitioning(Metadata existing) {
        List<String> wanted = spec.partitionColumn().map(List::of).orElse(List.of());
        if (!existing.getPartitionColumns().equals(wanted)) {
            throw new IncompatibleTableSchemaException("table " + spec.name() + " is partitioned by " + existing.getPartitionColumns()
                    + " but the contract says " + wanted);
        }
    }

    private List<String> newColumns(StructType existing) {
        return java.util.Arrays.stream(schema.getFieldNames()).filter(n -> !DeltaSchemas.has(existing, n)).toList();
    }

    /** The cluster and topic id the sink reads: recorded with the next commit where the table has none for the cluster. */
    void bindSource(String kafkaClusterId, String sourceTopicId) {
        this.topicId = sourceTopicId;
        this.topicIdKey = TOPIC_ID_PREFIX + kafkaClusterId;
    }

    /** The id of the topic the table's offsets on this cluster belong to, if recorded. */
    Optional<String> recordedTopicId(String kafkaClusterId) {
        var snapshot = deltaLog.update();
        if (snapshot.getVersion() < 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(snapshot.getMetadata().getConfiguration().get(TOPIC_ID_PREFIX + kafkaClusterId));
    }

    /** The last Kafka offset of the cluster's partition this table holds, or -1 when it holds none. */
    public long committedOffset(String kafkaClusterId, int partition) {
        return deltaLog.startTransaction().txnVersion(spec.appId(kafkaClusterId, partition));
    }

    public Schema rowSchema() {
        return spec.rowSchema();
    }
}
