package io.meshspine.sink;

import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.lineage.LineageConfig;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The lake sink's settings, typed and checked once.
 *
 * @param bootstrapServers the Kafka cluster
 * @param registryUrl      Apicurio's v3 API (writer schemas by content id, the dead-letter schema's id)
 * @param lakeRoot         a Hadoop URI or local path: {@code ./lake}, {@code file:/data/lake}, {@code s3a://bucket/lake},
 *                         {@code abfss://container@account.dfs.core.windows.net/lake}
 * @param groupId          the consumer group; its offsets are advisory (the Delta log's txn versions are the truth)
 * @param trigger          the micro-batch trigger of every table without an override
 * @param tableTriggers    per-table overrides, by table name ({@code bronze/<domain>/<dataset>},
 *                         {@code silver/<domain>/<dataset>_v<major>})
 * @param pollTimeout      how long one poll waits for records; also the granularity of the latency trigger
 * @param hadoop           extra Hadoop settings (credentials providers, log stores, endpoints); never logged
 * @param maintenance      compaction, checkpoints and vacuum the sink schedules for its tables
 * @param singleWriter     the operator guarantees that this sink is the only process writing the lake: lets it run on a
 *                         store whose log store is safe only within one JVM (S3 without a DynamoDB log store)
 * @param privacy          the keys Bronze's PII is encrypted with, and whether it is ({@link #defaults} leaves Bronze
 *                         in clear, for the tests and benchmarks that predate encryption; the service's settings,
 *                         {@link SinkSettings}, encrypt by default)
 * @param lineage          where the sink's run events go (one run per Delta commit)
 * @param tombstoneRetention how long an upsert table keeps a deleted key's tombstone: for that long a replay of a change
 *                         older than the delete (a DLQ replay, a re-delivery, a reset to earlier offsets) cannot bring the
 *                         key back; compaction drops older tombstones
 * @param kafkaClient      every other Kafka client property ({@code kafka.*} without the prefix: TLS, SASL), given to
 *                         every client the sink makes; may hold secrets, only its keys are printed
 * @param instanceId       static group membership id of this instance (null: dynamic membership): a restarted sink
 *                         with the same id takes its partitions back at once instead of waiting out the killed one's
 *                         session (45 s)
 */
public record SinkConfig(String bootstrapServers, String registryUrl, String lakeRoot, String groupId, BatchTrigger trigger,
                         Map<String, BatchTrigger> tableTriggers, Duration pollTimeout, Map<String, String> hadoop, MaintenancePolicy maintenance,
                         boolean singleWriter, PrivacyConfig privacy, LineageConfig lineage, Duration tombstoneRetention,
                         Map<String, Object> kafkaClient, String instanceId) {

    public static final String DEFAULT_GROUP_ID = "spine-lake-sink";
    public static final String DEFAULT_LAKE_ROOT = "./lake";

    public SinkConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(lakeRoot, "lakeRoot");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(trigger, "trigger");
        tableTriggers = Map.copyOf(tableTriggers);
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        hadoop = Map.copyOf(hadoop);
        Objects.requireNonNull(maintenance, "maintenance");
        Objects.requireNonNull(privacy, "privacy");
        Objects.requireNonNull(lineage, "lineage");
        Objects.requireNonNull(tombstoneRetention, "tombstoneRetention");
        kafkaClient = Map.copyOf(kafkaClient);
        if (tombstoneRetention.compareTo(io.meshspine.sink.internal.Tombstones.MIN_RETENTION) < 0) {
            throw new IllegalArgumentException("sink.tombstone-retention " + tombstoneRetention + " is below "
                    + io.meshspine.sink.internal.Tombstones.MIN_RETENTION + ": a deleted key's tombstone could expire before a batch"
                    + " that needs it is read again after a crash");
        }
        if (lakeRoot.isBlank()) {
            throw new IllegalArgumentException("sink lake root must not be blank");
        }
        checkVacuumRetention(maintenance, trigger, "sink.batch.max-latency");
        for (Map.Entry<String, BatchTrigger> e : tableTriggers.entrySet()) {
            checkVacuumRetention(maintenance, e.getValue(), "the batch trigger of table " + e.getKey());
        }
    }

    /** Defaults that run the embedded setup: {@code ./lake}, 500k records / 128 MB / 30 s batches, hourly upkeep. */
    public static SinkConfig defaults(String bootstrapServers, String registryUrl) {
        return new SinkConfig(bootstrapServers, registryUrl, DEFAULT_LAKE_ROOT, DEFAULT_GROUP_ID, BatchTrigger.DEFAULT, Map.of(),
                Duration.ofMillis(200), Map.of(), MaintenancePolicy.DEFAULT, false,
                PrivacyConfig.DEMO.withEncryptBronze(false), LineageConfig.NONE, io.meshspine.sink.internal.Tombstones.DEFAULT_RETENTION, Map.of(), null);
    }

    public SinkConfig withLakeRoot(String root) {
        return new SinkConfig(bootstrapServers, registryUrl, root, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance, singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withGroupId(String id) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, id, trigger, tableTriggers, pollTimeout, hadoop, maintenance, singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withTrigger(BatchTrigger t) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, t, tableTriggers, pollTimeout, hadoop, maintenance, singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withTableTriggers(Map<String, BatchTrigger> triggers) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, triggers, pollTimeout, hadoop, maintenance, singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withHadoop(Map<String, String> settings) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, settings, maintenance, singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withMaintenance(MaintenancePolicy policy) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, policy, singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withSingleWriter(boolean single) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance, single, privacy, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withPrivacy(PrivacyConfig p) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance, singleWriter, p, lineage, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withLineage(LineageConfig l) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance, singleWriter, privacy, l, tombstoneRetention, kafkaClient, instanceId);
    }

    public SinkConfig withTombstoneRetention(Duration retention) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance, singleWriter, privacy, lineage, retention, kafkaClient, instanceId);
    }

    public SinkConfig withKafkaClient(Map<String, ?> properties) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance,
                singleWriter, privacy, lineage, tombstoneRetention, Map.copyOf(properties), instanceId);
    }

    public SinkConfig withInstanceId(String id) {
        return new SinkConfig(bootstrapServers, registryUrl, lakeRoot, groupId, trigger, tableTriggers, pollTimeout, hadoop, maintenance,
                singleWriter, privacy, lineage, tombstoneRetention, kafkaClient, id);
    }

    /** What every Kafka client of the sink starts from: the cluster and the operator's {@code kafka.*} settings. */
    public Map<String, Object> clientProperties() {
        return io.meshspine.core.config.CommonSettings.kafkaClient(bootstrapServers, kafkaClient);
    }

    /** Vacuum beside the sink must not delete files a batch may still commit: refuse a retention under the trigger's floor. */
    private static void checkVacuumRetention(MaintenancePolicy maintenance, BatchTrigger trigger, String what) {
        if (maintenance.enabled() && maintenance.vacuumRetention().compareTo(trigger.minVacuumRetention()) < 0) {
            throw new IllegalArgumentException("sink.maintenance.vacuum-retention " + maintenance.vacuumRetention() + " is below "
                    + trigger.minVacuumRetention() + ", twice the longest a batch can stay uncommitted with " + what + " "
                    + trigger.maxLatency() + " (" + BatchTrigger.COMMIT_ATTEMPTS + " commit attempts): vacuum could delete files a"
                    + " running sink is about to commit");
        }
    }

    public BatchTrigger triggerFor(String table) {
        return tableTriggers.getOrDefault(table, trigger);
    }

    /** Hadoop settings may hold secrets: only their keys are printed. */
    @Override
    public String toString() {
        return "SinkConfig[bootstrapServers=" + bootstrapServers + ", registryUrl=" + registryUrl + ", lakeRoot=" + lakeRoot
                + ", groupId=" + groupId + ", trigger=" + trigger + ", tableTriggers=" + tableTriggers + ", pollTimeout="
                + pollTimeout + ", hadoopKeys=" + hadoop.keySet() + ", maintenance=" + maintenance + ", singleWriter=" + singleWriter
                + ", privacy=" + privacy + ", lineage=" + lineage.transport().configValue() + ", tombstoneRetention=" + tombstoneRetention
                + ", kafkaClientKeys=" + kafkaClient.keySet() + ", instanceId=" + instanceId + "]";
    }
}
