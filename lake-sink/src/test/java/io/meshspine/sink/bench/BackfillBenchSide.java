package io.meshspine.sink.bench;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.gate.GateSettings;
import io.meshspine.sink.Backfill;
import io.meshspine.sink.internal.BackfillJob;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Map;

/**
 * The backfill side of {@link BackfillBench}, in its own JVM: {@code <lake> <contracts dir> <contract id> <bootstrap>
 * <registry> <hash key> <into> <workers>}. Progress on stderr as the CLI prints it; one RESULT line with rows/s, the
 * summed peak of the heap pools, the peak RSS, whole-JVM CPU seconds, GC collections and time, and the spills to disk.
 */
public final class BackfillBenchSide {

    public static void main(String[] args) throws Exception {
        Contract contract = ContractCatalog.load(Path.of(args[1])).latest(args[2]).orElseThrow();
        var gate = GateSettings.parse(Map.of("kafka.bootstrap.servers", args[3], "registry.url", args[4], "gate.hash-key", args[5]));
        BackfillJob.Summary s = Backfill.run(contract, gate, new Backfill.Options(args[0], args[6], null, null, false)
                        .withWorkers(Integer.parseInt(args[7])),
                (read, total, elapsed) -> System.err.printf("backfill %,d / %,d rows, %,.0f rows/s%n", read, total,
                        read / Math.max(1e-9, elapsed.toNanos() / 1e9)));
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        long gcCount = 0;
        long gcMillis = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0);
        System.out.println("summary " + s);
        System.out.printf("RESULT side=backfill records=%d seconds=%.1f rowsPerSecond=%.0f workers=%d heapPeakMb=%d peakRssMb=%d cpuSeconds=%.1f"
                        + " gcCount=%d gcSeconds=%.1f spills=%d silverRows=%d%n", s.rowsRead(), s.took().toNanos() / 1e9, s.rowsPerSecond(), s.workers(),
                heapPeak >> 20, OurSinkSide.peakRssMb(), cpu, gcCount, gcMillis / 1e3, s.spills(), s.silverRows());
        System.out.flush();
        System.exit(0);
    }
}
