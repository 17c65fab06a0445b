package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.ingest.cdc.CaptureSource;

import java.util.List;

/**
 * The small tables the lane owns in each captured database, created at start when missing (the one thing the lane
 * writes to a source): the heartbeat table (PostgreSQL), which the heartbeat query updates so that the engine
 * receives a change, and so confirms the slot's WAL, even while every captured table is quiet; and the signal
 * table, where {@code ./spine cdc snapshot} asks for an incremental snapshot and Debezium writes the snapshot's
 * watermarks. Both are captured by the engine and passed over by the lane.
 */
public final class LaneTables {

    public static final String HEARTBEAT = "spine_cdc_heartbeat";
    public static final String SIGNAL = "spine_cdc_signal";
    /**
     * The tables the lane has captured in this database (not captured itself): a contract's table missing from it is
     * new to a running capture and gets an incremental snapshot of its own, the others are not snapshotted again.
     */
    public static final String ENROLLED = "spine_cdc_tables";
    /** PostgreSQL: where the lane's tables live. */
    public static final String POSTGRES_SCHEMA = "public";

    private LaneTables() {
    }

    /** The heartbeat table as the include list names it (PostgreSQL only). */
    public static String heartbeat(CaptureSource source) {
        return POSTGRES_SCHEMA + "." + HEARTBEAT;
    }

    /** The signal table as the include list and {@code signal.data.collection} name it. */
    public static String signal(CaptureSource source) {
        return (source.connector() == CdcConnector.POSTGRES ? POSTGRES_SCHEMA : source.database()) + "." + SIGNAL;
    }

    public static String enrolled(CaptureSource source) {
        return (source.connector() == CdcConnector.POSTGRES ? POSTGRES_SCHEMA : source.database()) + "." + ENROLLED;
    }

    /** Every table of the lane's own that the engine captures, as the include list names them. */
    public static List<String> all(CaptureSource source) {
        return source.connector() == CdcConnector.POSTGRES ? List.of(heartbeat(source), signal(source)) : List.of(signal(source));
    }

    /** Statements that create the lane's tables when missing. */
    public static List<String> ddl(CaptureSource source) {
        String signal = "CREATE TABLE IF NOT EXISTS " + signal(source)
                + " (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(4096))";
        String enrolled = "CREATE TABLE IF NOT EXISTS " + enrolled(source) + " (table_name varchar(255) PRIMARY KEY, enrolled_at "
                + (source.connector() == CdcConnector.POSTGRES ? "timestamptz" : "timestamp") + " NOT NULL)";
        if (source.connector() == CdcConnector.POSTGRES) {
            return List.of("CREATE TABLE IF NOT EXISTS " + heartbeat(source) + " (id int PRIMARY KEY, beat_at timestamptz NOT NULL)",
                    signal, enrolled);
        }
        return List.of(signal, enrolled);
    }

    /** The heartbeat query: one row, rewritten at every heartbeat (a change in the log, however quiet the tables). */
    public static String heartbeatQuery(CaptureSource source) {
        return "INSERT INTO " + heartbeat(source) + " (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at";
    }

    /** Whether a change's table (as the include list names it) is one of the lane's own. */
    public static boolean isLaneTable(String qualifiedTable) {
        return qualifiedTable.endsWith("." + HEARTBEAT) || qualifiedTable.endsWith("." + SIGNAL);
    }
}
