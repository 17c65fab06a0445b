package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.contract.CdcConnector;
import org.apache.kafka.connect.data.Struct;

/**
 * Where a change sits in its database's log, read from Debezium's {@code source} block. {@link #header()} is the
 * {@code spine.source-position} header: built only from the log position, so a change delivered again after a
 * restart carries the same string and the gate's deduplication recognises it.
 *
 * @param position     LSN (PostgreSQL) or binlog {@code file:position:row} (MariaDB)
 * @param commitMillis the source's commit time (epoch millis), null when the connector does not say
 */
public record SourcePosition(CdcConnector connector, String database, String table, String position, String txId,
                             Long commitMillis, boolean snapshot) {

    public static SourcePosition of(CdcConnector connector, Struct source) {
        String database = source.getString("db");
        String table = source.getString("table");
        Long commit = source.getInt64("ts_ms");
        String snapshot = source.getString("snapshot");
        boolean isSnapshot = snapshot != null && !"false".equals(snapshot);
        if (connector == CdcConnector.POSTGRES) {
            Long lsn = source.getInt64("lsn");
            Long tx = source.getInt64("txId");
            return new SourcePosition(connector, database, table, String.valueOf(lsn), tx == null ? null : tx.toString(),
                    commit, isSnapshot);
        }
        String file = source.getString("file");
        Long pos = source.getInt64("pos");
        Integer row = source.getInt32("row");
        String gtid = source.schema().field("gtid") == null ? null : source.getString("gtid");
        return new SourcePosition(connector, database, table, file + ":" + pos + ":" + (row == null ? 0 : row), gtid,
                commit, isSnapshot);
    }

    /** {@code <connector>:<database>:<position>}, e.g. {@code postgres:crm:24075416} or {@code mariadb:accounts:mysql-bin.000003:1204:0}. */
    public String header() {
        return connector.configValue() + ":" + database + ":" + position;
    }
}
