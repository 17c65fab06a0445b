package io.meshspine.sink.bench;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.Metadata;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.sink.internal.DeltaSchemas;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.ParquetFiles;
import io.meshspine.testkit.SamplePayments;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The physical limit the sink is measured against, in its own JVM with the sink's JVM options: the same payments rows,
 * already in memory, written as Parquet (the sink's writer, statistics included, one writer per core as the sink's lanes,
 * one open file per partition value each) and committed with delta-standalone in batches of the same size; no Kafka, no
 * decoding. Timed: the start-up (Hadoop configuration, the Delta log opened, the writer pool), then the writes and
 * commits; rows are made in chunks of 100k outside the clock. The sink's clock ({@link OurSinkSide}) includes its
 * start-up too (its tables opened, its group joined): both clocks include start-up. The columns without a dictionary
 * are the sink's ({@link ParquetFiles#plainColumns}). Args: contractsDir table batchRecords records.
 */
public final class WriteAloneSide {

    private static void commit(DeltaLog log, List<Map<String, ParquetFiles.OpenFile>> open, Contract contract, Optional<String> partition) {
        OptimisticTransaction txn = log.startTransaction();
        if (txn.readVersion() < 0) {
            txn.updateMetadata(Metadata.builder().id(UUID.randomUUID().toString()).schema(DeltaSchemas.toDelta(contract.avroSchema()))
                    .partitionColumns(partition.map(List::of).orElse(List.of())).build());
        }
        List<Action> actions = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Map<String, ParquetFiles.OpenFile> files : open) {
            for (ParquetFiles.OpenFile f : files.values()) {
                ParquetFiles.WrittenFile w = f.close();
                actions.add(new AddFile(w.path(), w.partitionValues(), w.size(), now, true, w.stats(), Map.of()));
            }
            files.clear();
        }
        txn.commit(actions, new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO);
    }

    public static void main(String[] args) throws Exception {
        Contract contract = ContractCatalog.load(Path.of(args[0])).contracts().get(0);
        String table = Hadoop.qualify(args[1]);
        int batch = Integer.parseInt(args[2]);
        long records = Long.parseLong(args[3]);
        int writers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        long startUp = System.nanoTime();
        Configuration conf = Hadoop.configuration(Map.of());
        ParquetFiles parquet = new ParquetFiles(conf);
        DeltaLog log = DeltaLog.forTable(conf, table);
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        Instant base = Instant.parse("2025-05-01T00:00:00Z");
        Optional<String> partition = contract.sink().partitionColumn();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<String> plain = ParquetFiles.plainColumns(contract, contract.avroSchema());
        double timed = (System.nanoTime() - startUp) / 1e9;
        // Rows are made in chunks outside the clock (a batch of a million records would not fit the sink's heap as
        // records); each writer keeps one open file per partition value across the chunks of a batch, as a lane does.
        int chunk = Math.min(batch, 100_000);
        List<Map<String, ParquetFiles.OpenFile>> open = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            open.add(new HashMap<>());
        }
        org.apache.avro.Schema partitionSchema = partition.map(c -> DeltaSchemas.nonNull(c, contract.avroSchema().getField(c).schema())).orElse(null);
        long inBatch = 0;
        for (long from = 0; from < records; from += chunk) {
            List<List<GenericRecord>> parts = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                parts.add(new ArrayList<>());
            }
            for (long i = from; i < Math.min(records, from + chunk); i++) {
                parts.get((int) (i % writers)).add(samples.valid(i, base.plusSeconds(i * 2)));
            }
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<GenericRecord> part = parts.get(w);
                Map<String, ParquetFiles.OpenFile> files = open.get(w);
                done.add(pool.submit(() -> {
                    for (GenericRecord r : part) {
                        String value = partition.map(c -> ParquetFiles.partitionValue(partitionSchema, r.get(c))).orElse("");
                        files.computeIfAbsent(value, v -> {
                            Map<String, String> values = new HashMap<>();
                            partition.ifPresent(c -> values.put(c, v));
                            return parquet.open(table, ParquetFiles.partitionDir(partition, v), values, contract.avroSchema(), plain);
                        }).write(r);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            inBatch += parts.stream().mapToLong(List::size).sum();
            if (inBatch >= batch || from + chunk >= records) {
                commit(log, open, contract, partition);
                inBatch = 0;
            }
            timed += (System.nanoTime() - start) / 1e9;
        }
        pool.shutdown();
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0);
        System.out.printf("RESULT side=write-alone records=%d seconds=%.3f recordsPerSecond=%.0f peakRssMb=%d cpuSeconds=%.1f%n", records,
                timed, records / timed, OurSinkSide.peakRssMb(), cpu);
    }
}
