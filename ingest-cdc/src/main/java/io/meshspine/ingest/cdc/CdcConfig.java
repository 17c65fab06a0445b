package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SourceBinding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The CDC lane's settings, typed and checked once.
 *
 * @param bootstrapServers    the Kafka cluster: raw topics, {@code spine.cdc.offsets}, the engines' {@code spine.cdc.schema-history.<engine>}
 * @param registryUrl         Apicurio's v3 API, where the change-event schemas are registered
 * @param postgres            the PostgreSQL server of contracts with connector {@code postgres}
 * @param mariadb             the MariaDB server of contracts with connector {@code mariadb}
 * @param snapshotMode        what a capture does before streaming
 * @param databaseOverrides   contract id ({@code crm.customers}) → database to capture instead of the contract's
 *                            (a staging copy, a demo or test database)
 * @param name                names the engines, replication slots and offsets ({@code <name>.<contract id>}): keep it
 *                            stable, or the lane forgets its offsets and snapshots again
 * @param offsetFlushInterval how often captured positions are stored; a crash re-delivers at most this much (the
 *                            same source positions, which the gate deduplicates)
 * @param pollInterval        how long Debezium waits for more changes before handing over a batch: the latency floor
 * @param maxBatchSize        changes handed over at most per batch
 * @param offsetsReplication  replication factor of the offsets and schema-history topics when the lane creates them
 * @param heartbeatInterval   how often each engine records a heartbeat (and, for PostgreSQL, runs the heartbeat
 *                            query on the lane's own table), so a quiet database's slot still confirms WAL
 * @param mariadbLaneDatabase the MariaDB database where the lane keeps its own tables (signals, enrolled tables) and
 *                            which names the server's one engine; empty: the first captured database in name order
 * @param privacy             the keys the lane's dead letters of contracts with PII are sealed with (issue 16, see
 *                            {@code DeadLetterSealer}); null, or {@code privacy.encrypt-dead-letters=false}: in clear
 * @param kafkaClient         every other Kafka client property ({@code kafka.*} without the prefix: TLS, SASL); may
 *                            hold secrets
 */
public record CdcConfig(String bootstrapServers, String registryUrl, SourceConnection postgres, SourceConnection mariadb,
                        SnapshotMode snapshotMode, Map<String, String> databaseOverrides, String name,
                        Duration offsetFlushInterval, Duration pollInterval, int maxBatchSize, short offsetsReplication,
                        Duration heartbeatInterval, String mariadbLaneDatabase, io.meshspine.core.privacy.PrivacyConfig privacy,
                        Map<String, Object> kafkaClient) {

    public static final String DEFAULT_NAME = "spine-cdc";

    public CdcConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        kafkaClient = Map.copyOf(kafkaClient);
        Objects.requireNonNull(postgres, "postgres");
        Objects.requireNonNull(mariadb, "mariadb");
        Objects.requireNonNull(snapshotMode, "snapshotMode");
        databaseOverrides = Map.copyOf(databaseOverrides);
        if (name == null || !name.matches("[a-z][a-z0-9_-]{0,30}")) {
            throw new IllegalArgumentException("cdc name must be lower-case letters, digits, '_' or '-' (at most 31), was '" + name + "'");
        }
        if (offsetFlushInterval.isNegative()) {
            throw new IllegalArgumentException("cdc offset flush interval must not be negative, was " + offsetFlushInterval);
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("cdc poll interval must be positive, was " + pollInterval);
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("cdc max batch size must be at least 1, was " + maxBatchSize);
        }
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("cdc heartbeat interval must be positive, was " + heartbeatInterval);
        }
        Objects.requireNonNull(mariadbLaneDatabase, "mariadbLaneDatabase");
        if (offsetsReplication < 1) {
            throw new IllegalArgumentException("cdc offsets replication must be at least 1, was " + offsetsReplication);
        }
    }

    /**
     * Defaults that run the embedded setup: the machine's PostgreSQL and MariaDB, an initial snapshot, offsets stored
     * every second, 50 ms polls, batches of up to 2,048 changes, single-replica internal topics, a heartbeat every 10 s.
     */
    public static CdcConfig defaults(String bootstrapServers, String registryUrl) {
        return new CdcConfig(bootstrapServers, registryUrl, SourceConnection.localPostgres(), SourceConnection.localMariaDb(),
                SnapshotMode.INITIAL, Map.of(), DEFAULT_NAME, Duration.ofSeconds(1), Duration.ofMillis(50), 2048, (short) 1,
                Duration.ofSeconds(10), "", null, Map.of());
    }

    public CdcConfig withPostgres(SourceConnection connection) {
        return new CdcConfig(bootstrapServers, registryUrl, connection, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withMariaDb(SourceConnection connection) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, connection, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withSnapshotMode(SnapshotMode mode) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, mode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    /** Captures {@code contractId}'s table from {@code database} instead of the database its contract names. */
    public CdcConfig withDatabase(String contractId, String database) {
        Map<String, String> overrides = new HashMap<>(databaseOverrides);
        overrides.put(contractId, database);
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, overrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withName(String newName) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, newName,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withOffsetFlushInterval(Duration interval) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                interval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withPollInterval(Duration interval) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, interval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withMaxBatchSize(int size) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, size, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    public CdcConfig withHeartbeatInterval(Duration interval) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, interval, mariadbLaneDatabase, privacy, kafkaClient);
    }

    /** Keeps the MariaDB capture's own tables in {@code database}, which then names its engine whatever else it captures. */
    public CdcConfig withMariaDbLaneDatabase(String database) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, database, privacy, kafkaClient);
    }

    /** Seals the lane's dead letters of contracts with PII under these keys (null: in clear). */
    public CdcConfig withPrivacy(io.meshspine.core.privacy.PrivacyConfig p) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, p, kafkaClient);
    }

    /** Every Kafka client of the lane (its producer, Debezium's offset store and schema history) gets these. */
    public CdcConfig withKafkaClient(Map<String, ?> properties) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval, mariadbLaneDatabase, privacy,
                Map.copyOf(properties));
    }

    /** What every Kafka client of the lane starts from: the cluster and the operator's {@code kafka.*} settings. */
    public Map<String, Object> clientProperties() {
        return io.meshspine.core.config.CommonSettings.kafkaClient(bootstrapServers, kafkaClient);
    }

    /** The server of the contract's connector family. */
    public SourceConnection connection(CdcConnector connector) {
        return connector == CdcConnector.POSTGRES ? postgres : mariadb;
    }

    /**
     * The captures (one engine each) of these CDC contracts: one per PostgreSQL database (a slot and publication are a
     * database's), one for the MariaDB server (its binlog is the server's: one client reads every captured database).
     */
    public Map<CaptureSource, List<Contract>> sources(List<Contract> contracts) {
        SortedSet<String> mariadbDatabases = new TreeSet<>();
        contracts.stream().filter(c -> connector(c) == CdcConnector.MARIADB).forEach(c -> mariadbDatabases.add(database(c)));
        if (!mariadbLaneDatabase.isEmpty()) {
            mariadbDatabases.add(mariadbLaneDatabase);
        }
        CaptureSource mariadbSource = mariadbDatabases.isEmpty() ? null
                : new CaptureSource(CdcConnector.MARIADB, mariadbLaneDatabase.isEmpty() ? mariadbDatabases.first() : mariadbLaneDatabase,
                        List.copyOf(mariadbDatabases));
        Map<CaptureSource, List<Contract>> bySource = new LinkedHashMap<>();
        for (Contract c : contracts) {
            CaptureSource source = connector(c) == CdcConnector.MARIADB ? mariadbSource : new CaptureSource(CdcConnector.POSTGRES, database(c));
            bySource.computeIfAbsent(source, s -> new ArrayList<>()).add(c);
        }
        return bySource;
    }

    /** The capture of {@code contract} among the captures of {@code contracts} (which hold it). */
    public CaptureSource source(List<Contract> contracts, Contract contract) {
        return sources(contracts).entrySet().stream().filter(e -> e.getValue().contains(contract)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new IllegalArgumentException(contract.qualifiedName() + " is not among the captured contracts"));
    }

    /** The PostgreSQL database capture of a {@code postgres} contract's table (MariaDB captures depend on every contract). */
    public CaptureSource postgresSource(Contract contract) {
        if (connector(contract) != CdcConnector.POSTGRES) {
            throw new IllegalArgumentException(contract.qualifiedName() + " is not captured from PostgreSQL");
        }
        return new CaptureSource(CdcConnector.POSTGRES, database(contract));
    }

    private static CdcConnector connector(Contract contract) {
        return ((SourceBinding.Cdc) contract.source()).connector();
    }

    /** The database the contract's table is captured from: the override, or the contract's own. */
    public String database(Contract contract) {
        SourceBinding.Cdc binding = (SourceBinding.Cdc) contract.source();
        return databaseOverrides.getOrDefault(contract.id(), binding.database());
    }
}
