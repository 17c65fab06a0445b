package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;

import java.util.Objects;

/**
 * One source database as the lane captures it: one Debezium engine, one replication slot and publication
 * (PostgreSQL) or one binlog client (MariaDB), one schema history. Every contract bound to the same connector and
 * database (after {@link CdcConfig#databaseOverrides()}) is captured by the same engine; the server itself is the
 * connector's {@link CdcConfig#connection}.
 */
public record CaptureSource(CdcConnector connector, String database) {

    public CaptureSource {
        Objects.requireNonNull(connector, "connector");
        Objects.requireNonNull(database, "database");
    }

    @Override
    public String toString() {
        return connector.configValue() + ":" + database;
    }
}
