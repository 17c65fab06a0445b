package io.meshspine.sink.bench;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.MaintenancePolicy;
import io.meshspine.sink.SinkConfig;
import io.meshspine.sink.SinkService;
import io.meshspine.sink.internal.Hadoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.hadoop.conf.Configuration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Our side of the benchmark, in its own JVM: the lake sink on the product topic until the Silver table holds every
 * record. Args: bootstrap registry contractsDir lake silverTablePath batchRecords expectedRecords [lineageEventsFile]. Prints one RESULT
 * line.
 */
public final class OurSinkSide {

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String registry = args[1];
        Path contracts = Path.of(args[2]);
        String lake = args[3];
        String silver = args[4];
        int batch = Integer.parseInt(args[5]);
        long expected = Long.parseLong(args[6]);

        SinkConfig config = SinkConfig.defaults(bootstrap, registry).withLakeRoot(lake).withGroupId("bench-" + System.nanoTime())
                .withTrigger(new BatchTrigger(batch, 1L << 30, Duration.ofMinutes(10))).withMaintenance(MaintenancePolicy.OFF);
        if (args.length > 7) {
            // Lineage on: a run event pair per commit into this JSON-lines file (the overhead measurement).
            config = config.withLineage(io.meshspine.core.lineage.LineageConfig.toFile(Path.of(args[7])));
        }
        Configuration conf = Hadoop.configuration(Map.of());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        long start = System.nanoTime();
        try (SinkService sink = LakeSink.start(config, ContractCatalog.load(contracts), meters)) {
            // The rows counter moves after each Delta commit: watching it costs nothing, unlike re-reading the log.
            while (meters.find("spine.sink.rows").tag("table", silverName(silver)).counters().stream().mapToDouble(c -> c.count()).sum() < expected) {
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long rows = io.meshspine.sink.LakeTables.rowCount(silver, conf);
            double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0);
            System.out.printf("RESULT side=meshspine records=%d seconds=%.3f recordsPerSecond=%.0f peakRssMb=%d cpuSeconds=%.1f%n", rows,
                    seconds, rows / seconds, peakRssMb(), cpu);
        }
    }

    private static String silverName(String path) {
        return path.substring(path.indexOf("/silver/") + 1);
    }

    static long peakRssMb() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
