package io.meshspine.sink;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.privacy.PrivacySettings;

import java.time.Duration;
import java.util.List;

/** The lake sink's declared settings (`./spine run sink`); `hadoop.*` keys are handed to Hadoop (S3A, ABFS, log stores). */
public final class SinkSettings {

    public static final String HADOOP_PREFIX = "hadoop.";

    public static final Setting<String> LAKE = Setting.string("sink.lake", SinkConfig.DEFAULT_LAKE_ROOT,
            "Lake root: a local path or a Hadoop URI (`s3a://bucket/lake`, `abfss://container@account.dfs.core.windows.net/lake`).");
    public static final Setting<String> GROUP_ID = Setting.string("sink.group-id", SinkConfig.DEFAULT_GROUP_ID,
            "Consumer group shared by the sink's instances; its offsets are advisory, the Delta log's txn versions are the truth.");
    public static final Setting<Integer> MAX_RECORDS = Setting.integer("sink.batch.max-records", BatchTrigger.DEFAULT.maxRecords(),
            "A micro-batch commits at this many records per table, or earlier on bytes or latency.").atLeast(1);
    public static final Setting<Long> MAX_BYTES = Setting.bytes("sink.batch.max-bytes", BatchTrigger.DEFAULT.maxBytes(),
            "A micro-batch commits at this many bytes of records per table.").positive();
    public static final Setting<Duration> MAX_LATENCY = Setting.duration("sink.batch.max-latency", BatchTrigger.DEFAULT.maxLatency(),
            "A micro-batch commits at the latest this long after its first record: the freshness floor.").positive();
    public static final Setting<Duration> MAINTENANCE_INTERVAL = Setting.duration("sink.maintenance.interval", MaintenancePolicy.DEFAULT.interval(),
            "How often compaction, checkpoints and vacuum run on the sink's tables (0s: never).");
    public static final Setting<Long> TARGET_FILE_BYTES = Setting.bytes("sink.maintenance.target-file-bytes", MaintenancePolicy.DEFAULT.targetFileBytes(),
            "Compaction bin-packs small files into files of about this size.").positive();
    public static final Setting<Duration> VACUUM_RETENTION = Setting.duration("sink.maintenance.vacuum-retention", MaintenancePolicy.DEFAULT.vacuumRetention(),
            "Vacuum deletes unreferenced files (and orphans of failed attempts) older than this; at least 1h and twice the longest"
                    + " a batch can stay uncommitted (max-latency × " + (BatchTrigger.COMMIT_ATTEMPTS + 2) + ", at least "
                    + BatchTrigger.MIN_OPEN.toMinutes() + " min), else the sink refuses to start.").positive();

    public static final Setting<String> INSTANCE_ID = Setting.string("sink.instance-id", null,
            "Static group membership id, unique per instance (e.g. the host name): a restarted instance takes its partitions back"
                    + " at once instead of waiting out the killed one's session (45 s). Unset: dynamic membership.");

    public static final Setting<Boolean> SINGLE_WRITER = Setting.bool("sink.single-writer", false,
            "Declares that this sink is the only process writing the lake. Required on S3 unless `hadoop.delta.logStore.s3a.impl`"
                    + " names a multi-writer-safe log store (S3DynamoDBLogStore): Delta's default S3 store is safe within one JVM only.");

    public static final Setting<Duration> TOMBSTONE_RETENTION = Setting.duration("sink.tombstone-retention",
            io.meshspine.sink.internal.Tombstones.DEFAULT_RETENTION,
            "How long an upsert table remembers a deleted key (its tombstone, in `_meshspine_tombstones/` inside the table): for"
                    + " that long a change older than the delete (a DLQ replay, a re-delivery, a reset to earlier offsets) is ignored"
                    + " instead of bringing the key back; compaction drops older tombstones. Keep it above the longest replay you"
                    + " expect (the product topics' retention, DLQ replays); at least "
                    + io.meshspine.sink.internal.Tombstones.MIN_RETENTION.toHours() + "h.")
            .validatedBy(d -> d.compareTo(io.meshspine.sink.internal.Tombstones.MIN_RETENTION) >= 0,
                    "at least " + io.meshspine.sink.internal.Tombstones.MIN_RETENTION.toHours() + "h");

    /** The sink's own settings and the privacy keys it encrypts Bronze with. */
    public static final List<Setting<?>> ALL = java.util.stream.Stream.concat(java.util.stream.Stream.of(LAKE, GROUP_ID, MAX_RECORDS,
            MAX_BYTES, MAX_LATENCY, MAINTENANCE_INTERVAL, TARGET_FILE_BYTES, VACUUM_RETENTION, SINGLE_WRITER, TOMBSTONE_RETENTION, INSTANCE_ID),
            PrivacySettings.ALL.stream()).toList();

    private SinkSettings() {
    }

    public static SinkConfig toSinkConfig(SpineConfig config) {
        return SinkConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL))
                .withLakeRoot(config.get(LAKE))
                .withGroupId(config.get(GROUP_ID))
                .withTrigger(new BatchTrigger(config.get(MAX_RECORDS), config.get(MAX_BYTES), config.get(MAX_LATENCY)))
                .withMaintenance(new MaintenancePolicy(config.get(MAINTENANCE_INTERVAL), config.get(TARGET_FILE_BYTES), config.get(VACUUM_RETENTION)))
                .withHadoop(config.passThrough(HADOOP_PREFIX))
                .withKafkaClient(config.passThrough(CommonSettings.KAFKA_PREFIX))
                .withSingleWriter(config.get(SINGLE_WRITER))
                .withInstanceId(config.find(INSTANCE_ID).orElse(null))
                .withTombstoneRetention(config.get(TOMBSTONE_RETENTION))
                .withPrivacy(PrivacySettings.parse(config))
                .withLineage(io.meshspine.core.lineage.LineageSettings.toConfig(config));
    }
}
