package io.meshspine.ingest.cdc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.ingest.cdc.internal.LaneTables;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An incremental snapshot of one contract's table (or a slice of it, {@code where}), asked of the running capture
 * through Debezium's signalling: a row in the lane's signal table of the table's database, which the engine reads
 * from the log. The table is re-read in chunks while streaming goes on, without locks; each row arrives as an
 * {@code r} change, and the gate's dedup and the sink's upsert order keep Silver right.
 *
 * @param where a SQL condition on the table's columns, e.g. {@code state = 'VIC'}; empty for the whole table
 */
public record SnapshotRequest(CaptureSource source, List<String> tables, Optional<String> where) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public SnapshotRequest {
        tables = List.copyOf(tables);
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("a snapshot request names at least one table");
        }
        where = where.filter(w -> !w.isBlank());
        if (where.isPresent() && tables.size() != 1) {
            throw new IllegalArgumentException("a filtered snapshot names one table, not " + tables);
        }
    }

    /**
     * The contract's table as the lane under {@code config} captures it, when it captures {@code captured} (the CDC
     * contracts of its catalogue: a MariaDB capture's signal table depends on every database it reads).
     */
    public static SnapshotRequest of(CdcConfig config, List<Contract> captured, Contract contract, Optional<String> where) {
        return new SnapshotRequest(config.source(captured, contract), List.of(ConnectorProperties.qualifiedTable(config, contract)), where);
    }

    /** Debezium's {@code execute-snapshot} signal data. */
    public String signalData() {
        ObjectNode data = JSON.createObjectNode();
        ArrayNode collections = data.putArray("data-collections");
        tables.forEach(collections::add);
        data.put("type", "incremental");
        where.ifPresent(w -> data.putArray("additional-conditions").addObject().put("data-collection", tables.get(0)).put("filter", w));
        return data.toString();
    }

    /** Writes the request into the signal table; returns the signal's id. */
    public String send(SourceConnection server) throws SQLException {
        try (Connection c = server.connect(source.connector() == CdcConnector.POSTGRES ? "postgresql" : "mariadb", source.database())) {
            return send(c);
        }
    }

    /** Writes the request on an open connection to the table's database. */
    public String send(Connection c) throws SQLException {
        String id = "spine-snapshot-" + UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + LaneTables.signal(source) + " (id, type, data) VALUES (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, "execute-snapshot");
            ps.setString(3, signalData());
            ps.executeUpdate();
        }
        return id;
    }
}
