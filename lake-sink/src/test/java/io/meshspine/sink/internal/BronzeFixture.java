package io.meshspine.sink.internal;

import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.LakeTables;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Bronze table written directly with the sink's own Bronze row code, Parquet writer and Delta table (no broker, no
 * gate): how a benchmark gets ten million Bronze rows in minutes. Rows as {@link BronzeRows#row} makes them (in clear),
 * files of {@code rowsPerFile} rows per ingest date, one commit per {@code filesPerCommit} batches.
 */
public final class BronzeFixture {

    private BronzeFixture() {
    }

    /** @return the table's path */
    public static String write(Contract contract, String lakeRoot, RegistrySchemas schemas, Iterator<ConsumerRecord<byte[], byte[]>> records,
                               int rowsPerFile, int filesPerCommit) {
        Configuration conf = Hadoop.configuration(Map.of());
        String name = LakeTables.bronzeName(contract);
        TableSpec spec = new TableSpec(name, LakeTables.path(lakeRoot, name), TableKind.BRONZE, contract.rawTopic(), contract,
                BronzeRows.schema(contract, false), Optional.of(BronzeRows.INGEST_DATE), List.of(), BatchTrigger.DEFAULT);
        DeltaTable table = new DeltaTable(spec, conf);
        ParquetFiles parquet = new ParquetFiles(conf);
        BronzeRows rows = new BronzeRows(contract, new RecordDecoder(schemas, BronzeRows.payloadReader(contract)), spec.rowSchema(), null);
        List<ParquetFiles.WrittenFile> pending = new ArrayList<>();
        List<GenericRecord> batch = new ArrayList<>(rowsPerFile);
        int batches = 0;
        while (records.hasNext()) {
            batch.add(rows.row(records.next()));
            if (batch.size() == rowsPerFile || !records.hasNext()) {
                pending.addAll(parquet.write(spec.path(), spec.rowSchema(), spec.partitionColumn(), List.of(), batch));
                batch.clear();
                if (++batches % filesPerCommit == 0 || !records.hasNext()) {
                    commit(table, pending);
                    pending.clear();
                }
            }
        }
        return spec.path();
    }

    private static void commit(DeltaTable table, List<ParquetFiles.WrittenFile> files) {
        OptimisticTransaction txn = table.begin();
        long now = System.currentTimeMillis();
        List<Action> actions = new ArrayList<>();
        for (ParquetFiles.WrittenFile f : files) {
            actions.add(new AddFile(f.path(), f.partitionValues(), f.size(), now, true, f.stats(), Map.of()));
        }
        txn.commit(actions, new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO);
    }
}
