package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.CaptureSource;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.SnapshotMode;
import io.meshspine.ingest.cdc.SourceConnection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Debezium embedded-engine configuration of one source database: one engine captures every table the
 * contracts bind to that database (include lists), through one replication slot and publication (PostgreSQL) or
 * one binlog client (MariaDB), with its own schema history.
 *
 * <p>Names derive from the lane's name, the connector and the database: the engine's name and {@code topic.prefix}
 * key its offsets in {@code spine.cdc.offsets}, so the same names on another machine resume the same offsets; a
 * different database gets fresh ones. Adding a table to a database changes the include list, not the names: the
 * engine resumes its offsets (and, for PostgreSQL, widens its publication).
 */
public final class ConnectorProperties {

    private static final String KAFKA_OFFSET_STORE = "org.apache.kafka.connect.storage.KafkaOffsetBackingStore";
    private static final String KAFKA_SCHEMA_HISTORY = "io.debezium.storage.kafka.history.KafkaSchemaHistory";
    /** Debezium's stand-in for a value the log did not carry (an unchanged TOAST column); never let through as data. */
    public static final String UNAVAILABLE_VALUE = "__debezium_unavailable_value";

    private ConnectorProperties() {
    }

    /** {@code <lane name>.<connector>.<database>}: the engine's name and its Debezium {@code topic.prefix}. */
    public static String engineName(CdcConfig config, CaptureSource source) {
        return config.name() + "." + source.connector().configValue() + "." + source.database();
    }

    /**
     * The PostgreSQL replication slot (and publication) of a database's capture: lower case, letters, digits and
     * {@code _}, at most 63 characters (a digest stands in for the tail of longer names).
     */
    public static String slotName(CdcConfig config, CaptureSource source) {
        String name = engineName(config, source).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (name.length() <= 63) {
            return name;
        }
        return name.substring(0, 50) + "_" + digest(name).substring(0, 12);
    }

    /** The slot of the database that captures the contract's table. */
    public static String slotName(CdcConfig config, Contract contract) {
        return slotName(config, config.postgresSource(contract));
    }

    /** The captured table as Debezium's include lists (and its change events' source block) name it. */
    public static String qualifiedTable(CdcConfig config, Contract contract) {
        SourceBinding.Cdc binding = binding(contract);
        return binding.connector() == CdcConnector.POSTGRES
                ? binding.schema().orElse("public") + "." + binding.table()
                : config.database(contract) + "." + binding.table();
    }

    public static SourceBinding.Cdc binding(Contract contract) {
        if (!(contract.source() instanceof SourceBinding.Cdc cdc)) {
            throw new IllegalArgumentException(contract.qualifiedName() + " is not a CDC contract (lane " + contract.lane() + ")");
        }
        return cdc;
    }

    /**
     * @param tables the contracts' tables this engine captures (as {@link #qualifiedTable} names them); the lane's own
     *               tables are added here
     */
    public static Properties of(CdcConfig config, CaptureSource source, List<String> tables) {
        SourceConnection db = config.connection(source.connector());
        String engine = engineName(config, source);
        List<String> included = new ArrayList<>(tables);
        included.addAll(LaneTables.all(source));
        Properties p = new Properties();
        p.setProperty("name", engine);
        p.setProperty("topic.prefix", engine);
        p.setProperty("database.hostname", db.host());
        p.setProperty("database.port", Integer.toString(db.port()));
        p.setProperty("database.user", db.user());
        p.setProperty("database.password", db.password());
        p.setProperty("table.include.list", included.stream().map(Pattern::quote).collect(Collectors.joining(",")));
        p.setProperty("snapshot.mode", config.snapshotMode().debeziumValue());
        if (config.snapshotMode() == SnapshotMode.INITIAL) {
            // A snapshot begun again after a crash keeps the interrupted one's position (see ResumingInitialSnapshotter):
            // MariaDB snapshots at the stored binlog position, PostgreSQL catches up from the stored LSN first.
            p.setProperty("snapshot.mode", "custom");
            p.setProperty("snapshot.mode.custom.name", ResumingInitialSnapshotter.NAME);
        }
        // Deletes: the lane writes one envelope with op d; Debezium's extra tombstone is not wanted (see DatabaseCapture).
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("poll.interval.ms", Long.toString(config.pollInterval().toMillis()));
        p.setProperty("max.batch.size", Integer.toString(config.maxBatchSize()));
        p.setProperty("max.queue.size", Integer.toString(Math.max(8192, config.maxBatchSize() * 4)));
        p.setProperty("unavailable.value.placeholder", UNAVAILABLE_VALUE);
        p.setProperty("heartbeat.interval.ms", Long.toString(config.heartbeatInterval().toMillis()));
        // Incremental snapshots on demand: ./spine cdc snapshot writes the request into the lane's signal table.
        p.setProperty("signal.enabled.channels", "source");
        p.setProperty("signal.data.collection", LaneTables.signal(source));

        p.setProperty("offset.storage", KAFKA_OFFSET_STORE);
        p.setProperty("offset.storage.topic", Topics.CDC_OFFSETS);
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", Short.toString(config.offsetsReplication()));
        p.setProperty("offset.flush.interval.ms", Long.toString(config.offsetFlushInterval().toMillis()));
        p.setProperty("bootstrap.servers", config.bootstrapServers());
        // The offset store's clients take the engine's own properties (as a Connect worker's do): TLS, SASL.
        config.kafkaClient().forEach((k, v) -> p.setProperty(k, String.valueOf(v)));

        if (source.connector() == CdcConnector.POSTGRES) {
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.setProperty("database.dbname", source.database());
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("slot.name", slotName(config, source));
            p.setProperty("publication.name", slotName(config, source));
            p.setProperty("publication.autocreate.mode", "filtered");
            p.setProperty("heartbeat.action.query", LaneTables.heartbeatQuery(source));
            p.setProperty("database.sslmode", db.tls().postgresValue());
            db.trustFile().ifPresent(f -> p.setProperty("database.sslrootcert", f.toString()));
        } else {
            p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
            p.setProperty("database.server.id", Long.toString(serverId(engine)));
            p.setProperty("database.include.list", source.databases().stream().map(Pattern::quote).collect(Collectors.joining(",")));
            p.setProperty("database.ssl.mode", db.tls().mariaDbValue());
            db.trustFile().ifPresent(f -> p.setProperty("database.ssl.truststore", f.toString()));
            if (!db.trustPassword().isEmpty()) {
                p.setProperty("database.ssl.truststore.password", db.trustPassword());
            }
            p.setProperty("include.schema.changes", "false");
            p.setProperty("schema.history.internal", KAFKA_SCHEMA_HISTORY);
            p.setProperty("schema.history.internal.kafka.topic", Topics.cdcSchemaHistory(engine));
            p.setProperty("schema.history.internal.kafka.bootstrap.servers", config.bootstrapServers());
            config.kafkaClient().forEach((k, v) -> {
                p.setProperty("schema.history.internal.producer." + k, String.valueOf(v));
                p.setProperty("schema.history.internal.consumer." + k, String.valueOf(v));
            });
            p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
            p.setProperty("schema.history.internal.store.only.captured.databases.ddl", "true");
        }
        return p;
    }

    /** The replica id the engine presents to MariaDB: stable per engine, distinct between engines. */
    static long serverId(String engine) {
        long hash = Long.parseUnsignedLong(digest(engine).substring(0, 8), 16);
        return 100_000 + hash % 2_000_000_000L;
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
