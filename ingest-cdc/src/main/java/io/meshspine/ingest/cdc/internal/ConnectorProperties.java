package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.SourceConnection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;

/**
 * The Debezium embedded-engine configuration of one contract's table: one engine per table, so one table's capture
 * can stop (an incompatible schema change) while the others go on.
 *
 * <p>Names derive from the lane's name, the contract id and the database: the engine's name and {@code topic.prefix}
 * key its offsets in {@code spine.cdc.offsets}, so the same names on another machine resume the same offsets; a
 * different database gets fresh ones.
 */
public final class ConnectorProperties {

    private static final String KAFKA_OFFSET_STORE = "org.apache.kafka.connect.storage.KafkaOffsetBackingStore";
    private static final String KAFKA_SCHEMA_HISTORY = "io.debezium.storage.kafka.history.KafkaSchemaHistory";

    private ConnectorProperties() {
    }

    /** {@code <lane name>.<contract id>.<database>}: the engine's name and its Debezium {@code topic.prefix}. */
    public static String engineName(CdcConfig config, Contract contract) {
        return config.name() + "." + contract.id() + "." + config.database(contract);
    }

    /**
     * The PostgreSQL replication slot (and publication) of the contract's capture: lower case, letters, digits and
     * {@code _}, at most 63 characters (a digest stands in for the tail of longer names).
     */
    public static String slotName(CdcConfig config, Contract contract) {
        String name = engineName(config, contract).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (name.length() <= 63) {
            return name;
        }
        return name.substring(0, 50) + "_" + digest(name).substring(0, 12);
    }

    /** The captured table as Debezium's include lists name it. */
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

    public static Properties of(CdcConfig config, Contract contract) {
        SourceBinding.Cdc binding = binding(contract);
        SourceConnection db = config.connection(binding.connector());
        String engine = engineName(config, contract);
        Properties p = new Properties();
        p.setProperty("name", engine);
        p.setProperty("topic.prefix", engine);
        p.setProperty("database.hostname", db.host());
        p.setProperty("database.port", Integer.toString(db.port()));
        p.setProperty("database.user", db.user());
        p.setProperty("database.password", db.password());
        p.setProperty("table.include.list", java.util.regex.Pattern.quote(qualifiedTable(config, contract)));
        p.setProperty("snapshot.mode", config.snapshotMode().debeziumValue());
        // Deletes: the lane writes one envelope with op d; Debezium's extra tombstone is not wanted (see TableCapture).
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("poll.interval.ms", Long.toString(config.pollInterval().toMillis()));
        p.setProperty("max.batch.size", Integer.toString(config.maxBatchSize()));
        p.setProperty("max.queue.size", Integer.toString(Math.max(8192, config.maxBatchSize() * 4)));

        p.setProperty("offset.storage", KAFKA_OFFSET_STORE);
        p.setProperty("offset.storage.topic", Topics.CDC_OFFSETS);
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", Short.toString(config.offsetsReplication()));
        p.setProperty("offset.flush.interval.ms", Long.toString(config.offsetFlushInterval().toMillis()));
        p.setProperty("bootstrap.servers", config.bootstrapServers());

        if (binding.connector() == CdcConnector.POSTGRES) {
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.setProperty("database.dbname", config.database(contract));
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("slot.name", slotName(config, contract));
            p.setProperty("publication.name", slotName(config, contract));
            p.setProperty("publication.autocreate.mode", "filtered");
            p.setProperty("schema.include.list", java.util.regex.Pattern.quote(binding.schema().orElse("public")));
        } else {
            p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
            p.setProperty("database.server.id", Long.toString(serverId(engine)));
            p.setProperty("database.include.list", java.util.regex.Pattern.quote(config.database(contract)));
            p.setProperty("database.ssl.mode", "disable");
            p.setProperty("include.schema.changes", "false");
            p.setProperty("schema.history.internal", KAFKA_SCHEMA_HISTORY);
            p.setProperty("schema.history.internal.kafka.topic", Topics.CDC_SCHEMA_HISTORY);
            p.setProperty("schema.history.internal.kafka.bootstrap.servers", config.bootstrapServers());
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
