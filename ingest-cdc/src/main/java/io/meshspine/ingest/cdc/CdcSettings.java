package io.meshspine.ingest.cdc;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The CDC lane's declared settings (part of `./spine run ingest`). */
public final class CdcSettings {

    public static final Setting<Boolean> ENABLED = Setting.bool("cdc.enabled", true,
            "Capture the tables of contracts with lane `cdc`.");
    public static final Setting<String> NAME = Setting.string("cdc.name", CdcConfig.DEFAULT_NAME,
            "Names the engines (one per source database), replication slots and stored offsets; keep it stable or the lane snapshots again.");
    public static final Setting<String> POSTGRES_HOST = Setting.string("cdc.postgres.host", "127.0.0.1", "PostgreSQL host of `postgres` contracts.");
    public static final Setting<Integer> POSTGRES_PORT = Setting.integer("cdc.postgres.port", 5432, "PostgreSQL port.");
    public static final Setting<String> POSTGRES_USER = Setting.string("cdc.postgres.user", "postgres",
            "PostgreSQL user with LOGIN REPLICATION that owns the captured tables (or a superuser).");
    public static final Setting<String> POSTGRES_PASSWORD = Setting.string("cdc.postgres.password", "",
            "PostgreSQL password (better: `SPINE_CDC_POSTGRES_PASSWORD` or `cdc.postgres.password-file`).").secret();
    public static final Setting<String> POSTGRES_PASSWORD_FILE = Setting.string("cdc.postgres.password-file", "",
            "A file holding the PostgreSQL password (its first line), e.g. a mounted secret; excludes `cdc.postgres.password`.");
    public static final Setting<TlsMode> POSTGRES_TLS = Setting.choice("cdc.postgres.tls", TlsMode.class, TlsMode.DISABLE,
            "TLS to PostgreSQL, for the replication stream and the lane's own connections.");
    public static final Setting<String> POSTGRES_TLS_TRUST_FILE = Setting.string("cdc.postgres.tls-trust-file", "",
            "PEM file of the CA that signed PostgreSQL's certificate (`sslrootcert`), for `verify-ca` and `verify-full`.");
    public static final Setting<String> MARIADB_HOST = Setting.string("cdc.mariadb.host", "127.0.0.1", "MariaDB host of `mariadb` contracts.");
    public static final Setting<Integer> MARIADB_PORT = Setting.integer("cdc.mariadb.port", 3306, "MariaDB port.");
    public static final Setting<String> MARIADB_USER = Setting.string("cdc.mariadb.user", "root",
            "MariaDB user with REPLICATION SLAVE, BINLOG MONITOR, RELOAD, SHOW DATABASES, SELECT, LOCK TABLES.");
    public static final Setting<String> MARIADB_PASSWORD = Setting.string("cdc.mariadb.password", "",
            "MariaDB password (better: `SPINE_CDC_MARIADB_PASSWORD` or `cdc.mariadb.password-file`).").secret();
    public static final Setting<String> MARIADB_PASSWORD_FILE = Setting.string("cdc.mariadb.password-file", "",
            "A file holding the MariaDB password (its first line), e.g. a mounted secret; excludes `cdc.mariadb.password`.");
    public static final Setting<TlsMode> MARIADB_TLS = Setting.choice("cdc.mariadb.tls", TlsMode.class, TlsMode.DISABLE,
            "TLS to MariaDB, for the binlog client and the lane's own connections (`require` encrypts without checking the certificate).");
    public static final Setting<String> MARIADB_TLS_TRUST_FILE = Setting.string("cdc.mariadb.tls-trust-file", "",
            "Trust store (JKS or PKCS12) holding the CA of MariaDB's certificate, for `verify-ca` and `verify-full`.");
    public static final Setting<String> MARIADB_TLS_TRUST_PASSWORD = Setting.string("cdc.mariadb.tls-trust-password", "",
            "Password of `cdc.mariadb.tls-trust-file`.").secret();
    public static final Setting<String> MARIADB_LANE_DATABASE = Setting.string("cdc.mariadb.lane-database", "",
            "The MariaDB database where the lane keeps its own tables (signals, enrolled tables); it names the server's one capture engine and its stored position. Empty: the first captured database in name order; pin it when the lane reads several databases, since capturing a database whose name sorts first would otherwise start a new engine with a new snapshot.");
    public static final Setting<SnapshotMode> SNAPSHOT_MODE = Setting.choice("cdc.snapshot-mode", SnapshotMode.class, SnapshotMode.INITIAL,
            "What a capture does before streaming.");
    public static final Setting<Duration> OFFSET_FLUSH_INTERVAL = Setting.duration("cdc.offset-flush-interval", Duration.ofSeconds(1),
            "How often captured positions are stored; a crash re-delivers at most this much (same positions, deduplicated by the gate).");
    public static final Setting<Duration> POLL_INTERVAL = Setting.duration("cdc.poll-interval", Duration.ofMillis(50),
            "How long Debezium waits for more changes before handing a batch over: the latency floor.").positive();
    public static final Setting<Integer> MAX_BATCH_SIZE = Setting.integer("cdc.max-batch-size", 2048, "Changes handed over at most per batch.").atLeast(1);
    public static final Setting<Duration> HEARTBEAT_INTERVAL = Setting.duration("cdc.heartbeat-interval", Duration.ofSeconds(10),
            "How often each engine beats (PostgreSQL: it also updates the lane's heartbeat table), so a quiet database's slot still releases WAL.")
            .positive();

    public static final List<Setting<?>> ALL = List.of(ENABLED, NAME, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD,
            POSTGRES_PASSWORD_FILE, POSTGRES_TLS, POSTGRES_TLS_TRUST_FILE, MARIADB_HOST, MARIADB_PORT, MARIADB_USER, MARIADB_PASSWORD,
            MARIADB_PASSWORD_FILE, MARIADB_TLS, MARIADB_TLS_TRUST_FILE, MARIADB_TLS_TRUST_PASSWORD, MARIADB_LANE_DATABASE, SNAPSHOT_MODE, OFFSET_FLUSH_INTERVAL,
            POLL_INTERVAL, MAX_BATCH_SIZE, HEARTBEAT_INTERVAL);

    private CdcSettings() {
    }

    public static CdcConfig toCdcConfig(SpineConfig config) {
        return CdcConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL))
                .withName(config.get(NAME))
                .withPostgres(postgres(config))
                .withMariaDb(mariaDb(config))
                .withMariaDbLaneDatabase(config.get(MARIADB_LANE_DATABASE))
                .withSnapshotMode(config.get(SNAPSHOT_MODE))
                .withOffsetFlushInterval(config.get(OFFSET_FLUSH_INTERVAL))
                .withPollInterval(config.get(POLL_INTERVAL))
                .withMaxBatchSize(config.get(MAX_BATCH_SIZE))
                .withHeartbeatInterval(config.get(HEARTBEAT_INTERVAL))
                .withKafkaClient(config.passThrough(CommonSettings.KAFKA_PREFIX));
    }

    /** The PostgreSQL server as configured (also what `./spine cdc snapshot` connects to). */
    public static SourceConnection postgres(SpineConfig config) {
        return new SourceConnection(config.get(POSTGRES_HOST), config.get(POSTGRES_PORT), config.get(POSTGRES_USER),
                password(config, POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE))
                .withTls(config.get(POSTGRES_TLS), file(config.get(POSTGRES_TLS_TRUST_FILE)), "");
    }

    /** The MariaDB server as configured. */
    public static SourceConnection mariaDb(SpineConfig config) {
        return new SourceConnection(config.get(MARIADB_HOST), config.get(MARIADB_PORT), config.get(MARIADB_USER),
                password(config, MARIADB_PASSWORD, MARIADB_PASSWORD_FILE))
                .withTls(config.get(MARIADB_TLS), file(config.get(MARIADB_TLS_TRUST_FILE)), config.get(MARIADB_TLS_TRUST_PASSWORD));
    }

    private static Optional<Path> file(String path) {
        return path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    /** The password itself, or the first line of its file; never both. The message never holds the password. */
    static String password(SpineConfig config, Setting<String> password, Setting<String> passwordFile) {
        String file = config.get(passwordFile);
        if (file.isBlank()) {
            return config.get(password);
        }
        if (!config.get(password).isEmpty()) {
            throw new ConfigException(passwordFile.key(), "config", "set either " + password.key() + " or " + passwordFile.key() + ", not both");
        }
        try {
            List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) {
                throw new ConfigException(passwordFile.key(), "config", "the file " + file + " holds no password (its first line is empty)");
            }
            return lines.get(0);
        } catch (IOException e) {
            throw new ConfigException(passwordFile.key(), "config", "cannot read the password file " + file + ": " + e.getClass().getSimpleName());
        }
    }
}
