package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SourceBinding;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The CDC lane's settings, typed and checked once.
 *
 * @param bootstrapServers    the Kafka cluster: raw topics, {@code spine.cdc.offsets}, {@code spine.cdc.schema-history}
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
 */
public record CdcConfig(String bootstrapServers, String registryUrl, SourceConnection postgres, SourceConnection mariadb,
                        SnapshotMode snapshotMode, Map<String, String> databaseOverrides, String name,
                        Duration offsetFlushInterval, Duration pollInterval, int maxBatchSize, short offsetsReplication,
                        Duration heartbeatInterval) {

    public static final String DEFAULT_NAME = "spine-cdc";

    public CdcConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
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
                Duration.ofSeconds(10));
    }

    public CdcConfig withPostgres(SourceConnection connection) {
        return new CdcConfig(bootstrapServers, registryUrl, connection, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withMariaDb(SourceConnection connection) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, connection, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withSnapshotMode(SnapshotMode mode) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, mode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    /** Captures {@code contractId}'s table from {@code database} instead of the database its contract names. */
    public CdcConfig withDatabase(String contractId, String database) {
        Map<String, String> overrides = new HashMap<>(databaseOverrides);
        overrides.put(contractId, database);
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, overrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withName(String newName) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, newName,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withOffsetFlushInterval(Duration interval) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                interval, pollInterval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withPollInterval(Duration interval) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, interval, maxBatchSize, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withMaxBatchSize(int size) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, size, offsetsReplication, heartbeatInterval);
    }

    public CdcConfig withHeartbeatInterval(Duration interval) {
        return new CdcConfig(bootstrapServers, registryUrl, postgres, mariadb, snapshotMode, databaseOverrides, name,
                offsetFlushInterval, pollInterval, maxBatchSize, offsetsReplication, interval);
    }

    /** The server of the contract's connector family. */
    public SourceConnection connection(CdcConnector connector) {
        return connector == CdcConnector.POSTGRES ? postgres : mariadb;
    }

    /** The database capture (one engine) that captures the contract's table. */
    public CaptureSource source(Contract contract) {
        return new CaptureSource(((SourceBinding.Cdc) contract.source()).connector(), database(contract));
    }

    /** The database the contract's table is captured from: the override, or the contract's own. */
    public String database(Contract contract) {
        SourceBinding.Cdc binding = (SourceBinding.Cdc) contract.source();
        return databaseOverrides.getOrDefault(contract.id(), binding.database());
    }
}
