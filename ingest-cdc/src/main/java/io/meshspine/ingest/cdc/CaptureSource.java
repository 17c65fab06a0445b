package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;

import java.util.List;
import java.util.Objects;

/**
 * What one Debezium engine captures: a PostgreSQL database (one replication slot and publication), or a MariaDB server
 * (one binlog client for every captured database of it); one schema history either way. The engine is named after
 * {@code database}, where the lane also keeps its own tables (signals, enrolled tables); {@code databases} are every
 * database whose tables it reads ({@code database} among them). The server itself is the connector's
 * {@link CdcConfig#connection}.
 */
public record CaptureSource(CdcConnector connector, String database, List<String> databases) {

    public CaptureSource {
        Objects.requireNonNull(connector, "connector");
        Objects.requireNonNull(database, "database");
        databases = List.copyOf(databases);
        if (!databases.contains(database)) {
            throw new IllegalArgumentException("the lane's database " + database + " must be among the captured " + databases);
        }
        if (connector == CdcConnector.POSTGRES && databases.size() != 1) {
            throw new IllegalArgumentException("a PostgreSQL capture reads one database, not " + databases);
        }
    }

    /** A capture of one database. */
    public CaptureSource(CdcConnector connector, String database) {
        this(connector, database, List.of(Objects.requireNonNull(database, "database")));
    }

    @Override
    public String toString() {
        return connector.configValue() + ":" + database;
    }
}
