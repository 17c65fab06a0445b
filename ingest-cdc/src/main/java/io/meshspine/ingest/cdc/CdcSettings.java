package io.meshspine.ingest.cdc;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.time.Duration;
import java.util.List;

/** The CDC lane's declared settings (part of `./spine run ingest`). */
public final class CdcSettings {

    public static final Setting<Boolean> ENABLED = Setting.bool("cdc.enabled", true,
            "Capture the tables of contracts with lane `cdc`.");
    public static final Setting<String> NAME = Setting.string("cdc.name", CdcConfig.DEFAULT_NAME,
            "Names the engines, replication slots and stored offsets; keep it stable or the lane snapshots again.");
    public static final Setting<String> POSTGRES_HOST = Setting.string("cdc.postgres.host", "127.0.0.1", "PostgreSQL host of `postgres` contracts.");
    public static final Setting<Integer> POSTGRES_PORT = Setting.integer("cdc.postgres.port", 5432, "PostgreSQL port.");
    public static final Setting<String> POSTGRES_USER = Setting.string("cdc.postgres.user", "postgres",
            "PostgreSQL user with LOGIN REPLICATION that owns the captured tables.");
    public static final Setting<String> POSTGRES_PASSWORD = Setting.string("cdc.postgres.password", "", "PostgreSQL password.").secret();
    public static final Setting<String> MARIADB_HOST = Setting.string("cdc.mariadb.host", "127.0.0.1", "MariaDB host of `mariadb` contracts.");
    public static final Setting<Integer> MARIADB_PORT = Setting.integer("cdc.mariadb.port", 3306, "MariaDB port.");
    public static final Setting<String> MARIADB_USER = Setting.string("cdc.mariadb.user", "root",
            "MariaDB user with REPLICATION SLAVE, BINLOG MONITOR, RELOAD, SHOW DATABASES, SELECT, LOCK TABLES.");
    public static final Setting<String> MARIADB_PASSWORD = Setting.string("cdc.mariadb.password", "", "MariaDB password.").secret();
    public static final Setting<SnapshotMode> SNAPSHOT_MODE = Setting.choice("cdc.snapshot-mode", SnapshotMode.class, SnapshotMode.INITIAL,
            "What a capture does before streaming.");
    public static final Setting<Duration> OFFSET_FLUSH_INTERVAL = Setting.duration("cdc.offset-flush-interval", Duration.ofSeconds(1),
            "How often captured positions are stored; a crash re-delivers at most this much (same positions, deduplicated by the gate).");
    public static final Setting<Duration> POLL_INTERVAL = Setting.duration("cdc.poll-interval", Duration.ofMillis(50),
            "How long Debezium waits for more changes before handing a batch over: the latency floor.").positive();
    public static final Setting<Integer> MAX_BATCH_SIZE = Setting.integer("cdc.max-batch-size", 2048, "Changes handed over at most per batch.").atLeast(1);

    public static final List<Setting<?>> ALL = List.of(ENABLED, NAME, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD,
            MARIADB_HOST, MARIADB_PORT, MARIADB_USER, MARIADB_PASSWORD, SNAPSHOT_MODE, OFFSET_FLUSH_INTERVAL, POLL_INTERVAL, MAX_BATCH_SIZE);

    private CdcSettings() {
    }

    public static CdcConfig toCdcConfig(SpineConfig config) {
        return CdcConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL))
                .withName(config.get(NAME))
                .withPostgres(new SourceConnection(config.get(POSTGRES_HOST), config.get(POSTGRES_PORT), config.get(POSTGRES_USER),
                        config.get(POSTGRES_PASSWORD)))
                .withMariaDb(new SourceConnection(config.get(MARIADB_HOST), config.get(MARIADB_PORT), config.get(MARIADB_USER),
                        config.get(MARIADB_PASSWORD)))
                .withSnapshotMode(config.get(SNAPSHOT_MODE))
                .withOffsetFlushInterval(config.get(OFFSET_FLUSH_INTERVAL))
                .withPollInterval(config.get(POLL_INTERVAL))
                .withMaxBatchSize(config.get(MAX_BATCH_SIZE));
    }
}
