package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.ingest.cdc.CaptureSource;
import io.meshspine.ingest.cdc.CdcConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How far one database's capture is behind its source, as gauges labelled {@code source=<connector>:<database>}:
 * {@code spine_cdc_source_behind_seconds} (the last captured change's commit to its capture: MariaDB's "seconds
 * behind", PostgreSQL's too), {@code spine_cdc_last_event_age_seconds} (since the engine last received anything,
 * heartbeats included: grows when the engine is stuck), and for PostgreSQL {@code spine_cdc_slot_lag_bytes} (WAL
 * the slot still holds: current WAL position minus the slot's confirmed flush position, read every heartbeat).
 * Snapshot progress comes from Debezium's own snapshot metrics (its JMX bean of the engine, read at each scrape):
 * {@code spine_cdc_snapshot_running} (1 while an initial or incremental snapshot runs),
 * {@code spine_cdc_snapshot_remaining_tables} and {@code spine_cdc_snapshot_rows_scanned} (rows read by the
 * engine's snapshots so far, all tables).
 */
final class CaptureLag implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureLag.class);

    private final CdcConfig config;
    private final CaptureSource source;
    private volatile double behindSeconds = Double.NaN;
    private volatile long lastEventMillis;
    private volatile double slotLagBytes = Double.NaN;
    private ScheduledExecutorService poller;

    CaptureLag(CdcConfig config, CaptureSource source, CdcMetrics metrics) {
        this.config = config;
        this.source = source;
        String label = source.toString();
        metrics.sourceGauge("source.behind.seconds", "Last captured change: capture time minus source commit time", label,
                () -> behindSeconds);
        metrics.sourceGauge("last.event.age.seconds", "Seconds since the engine last received an event (heartbeats included)", label,
                () -> lastEventMillis == 0 ? Double.NaN : (System.currentTimeMillis() - lastEventMillis) / 1000.0);
        String engine = ConnectorProperties.engineName(config, source);
        metrics.sourceGauge("snapshot.running", "1 while the engine runs a snapshot (initial or incremental)", label,
                () -> snapshotAttribute(engine, "SnapshotRunning"));
        metrics.sourceGauge("snapshot.remaining.tables", "Tables the running snapshot has still to read", label,
                () -> snapshotAttribute(engine, "RemainingTableCount"));
        metrics.sourceGauge("snapshot.rows.scanned", "Rows the engine's snapshots have read, all tables", label,
                () -> snapshotAttribute(engine, "RowsScanned"));
        if (source.connector() == CdcConnector.POSTGRES) {
            metrics.sourceGauge("slot.lag.bytes", "WAL the replication slot holds: current WAL position minus its confirmed flush", label,
                    () -> slotLagBytes);
        }
    }

    /** One attribute of Debezium's snapshot bean of {@code engine} as a number; NaN before the engine registered it. */
    static double snapshotAttribute(String engine, String attribute) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (ObjectName name : server.queryNames(new ObjectName("debezium.*:type=connector-metrics,context=snapshot,*"), null)) {
                String named = name.getKeyProperty("server");
                if (named == null || !ObjectName.unquote(named.startsWith("\"") ? named : "\"" + named + "\"").equals(engine)) {
                    continue;
                }
                Object value = server.getAttribute(name, attribute);
                if (value instanceof Boolean b) {
                    return b ? 1 : 0;
                }
                if (value instanceof Number n) {
                    return n.doubleValue();
                }
                if (value instanceof TabularData perTable) {
                    // Debezium's Map<table, rows> as JMX renders it: rows of {key, value}.
                    return perTable.values().stream().mapToDouble(row -> row instanceof CompositeData c && c.get("value") instanceof Number n
                            ? n.doubleValue() : 0).sum();
                }
                if (value instanceof Map<?, ?> perTable) {
                    return perTable.values().stream().mapToDouble(v -> v instanceof Number n ? n.doubleValue() : 0).sum();
                }
            }
        } catch (JMException | RuntimeException e) {
            LOG.debug("cdc snapshot metric unreadable engine={} attribute={} cause={}", engine, attribute, e.toString());
        }
        return Double.NaN;
    }

    /** Any event of the engine (a change, a heartbeat). */
    void received() {
        lastEventMillis = System.currentTimeMillis();
    }

    void observed(SourcePosition position) {
        if (!position.snapshot() && position.commitMillis() != null) {
            behindSeconds = Math.max(0, System.currentTimeMillis() - position.commitMillis()) / 1000.0;
        }
    }

    synchronized void start() {
        if (source.connector() != CdcConnector.POSTGRES || poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spine-cdc-lag-" + source.database());
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, Math.min(config.heartbeatInterval().toMillis(), 15_000));
        poller.scheduleWithFixedDelay(this::readSlotLag, 0, every, TimeUnit.MILLISECONDS);
    }

    private void readSlotLag() {
        try (Connection c = config.connection(source.connector()).connect("postgresql", source.database());
             PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) "
                     + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, ConnectorProperties.slotName(config, source));
            try (ResultSet rs = ps.executeQuery()) {
                slotLagBytes = rs.next() ? rs.getDouble(1) : Double.NaN;
            }
        } catch (SQLException e) {
            slotLagBytes = Double.NaN;
            LOG.debug("cdc slot lag unreadable source={} cause={}", source, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
