package io.meshspine.sink;

import io.meshspine.sink.internal.SinkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A running lake sink. Closing it commits what is buffered (or abandons it safely) and leaves the consumer group. */
public final class SinkService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SinkService.class);

    private final SinkLoop loop;
    private final Thread thread;
    private final List<String> tables;
    private final AutoCloseable resources;

    private final ScheduledExecutorService upkeep;

    SinkService(SinkLoop loop, List<String> tables, AutoCloseable resources, SinkConfig config) {
        this.loop = loop;
        this.tables = List.copyOf(tables);
        this.resources = resources;
        this.thread = new Thread(loop, "spine-lake-sink");
        this.thread.start();
        MaintenancePolicy policy = config.maintenance();
        if (policy.enabled()) {
            upkeep = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spine-lake-maintenance");
                t.setDaemon(true);
                return t;
            });
            upkeep.scheduleWithFixedDelay(() -> maintain(config), policy.interval().toMillis(), policy.interval().toMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            upkeep = null;
        }
    }

    /** Compaction, checkpoint and vacuum of each table, beside the writing loop; one table's failure skips only it. */
    private void maintain(SinkConfig config) {
        MaintenancePolicy policy = config.maintenance();
        for (String table : tables) {
            String path = LakeTables.path(config.lakeRoot(), table);
            try {
                if (!io.delta.standalone.DeltaLog.forTable(io.meshspine.sink.internal.Hadoop.configuration(config.hadoop()), path).tableExists()) {
                    continue;
                }
                Maintenance.compact(path, policy.targetFileBytes(), config.hadoop());
                Maintenance.compactTombstones(path, config.hadoop());
                Maintenance.checkpoint(path, config.hadoop());
                Maintenance.vacuum(path, policy.vacuumRetention(), config.hadoop());
            } catch (RuntimeException e) {
                log.warn("maintenance failed table={} error={}", table, e.toString());
            }
        }
    }

    public SinkState state() {
        return loop.state();
    }

    /** The names of the tables this sink writes ({@code bronze/...}, {@code silver/...}). */
    public List<String> tables() {
        return tables;
    }

    @Override
    public void close() {
        if (upkeep != null) {
            upkeep.shutdownNow();
        }
        loop.stop();
        try {
            if (!loop.awaitStopped(Duration.ofMinutes(2))) {
                log.warn("sink did not stop within 2 minutes; its uncommitted batch will be re-read by the next owner");
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            resources.close();
        } catch (Exception e) {
            log.warn("closing sink resources failed: {}", e.toString());
        }
    }
}
