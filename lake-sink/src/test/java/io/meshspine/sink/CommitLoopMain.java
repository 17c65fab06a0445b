package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.SetTransaction;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.LogStores;
import io.meshspine.sink.internal.ParquetFiles;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A writer process for the many-writers test: {@code <table uri> <writer id> <commits> <report file> [log store class]}.
 * Commits batches 1..n to the table in a tight loop, each a small Parquet file of {@link #ROWS_PER_BATCH} rows plus a txn
 * action (app id = writer id, version = batch), and reports {@code COMMITTED <batch> <version>} for each, the way the
 * sink commits (blind appends through the lake's Hadoop settings, hence its log store).
 */
public final class CommitLoopMain {

    static final int ROWS_PER_BATCH = 3;
    static final Schema ROW = SchemaBuilder.record("StressRow").namespace("io.meshspine.sink.stress").fields()
            .requiredString("writer").requiredLong("batch").requiredInt("row").endRecord();

    private CommitLoopMain() {
    }

    public static void main(String[] args) throws Exception {
        String table = args[0];
        String writer = args[1];
        int commits = Integer.parseInt(args[2]);
        Path report = Path.of(args[3]);
        Map<String, String> hadoop = new HashMap<>();
        if (args.length > 4) {
            hadoop.put(LogStores.FILE_STORE_KEY, args[4]);
        }
        Configuration conf = Hadoop.configuration(hadoop);
        DeltaLog log = DeltaLog.forTable(conf, table);
        ParquetFiles files = new ParquetFiles(conf);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(report))) {
            for (long batch = 1; batch <= commits; batch++) {
                List<GenericRecord> rows = new ArrayList<>();
                for (int r = 0; r < ROWS_PER_BATCH; r++) {
                    GenericData.Record row = new GenericData.Record(ROW);
                    row.put("writer", writer);
                    row.put("batch", batch);
                    row.put("row", r);
                    rows.add(row);
                }
                ParquetFiles.WrittenFile file = files.write(table, ROW, Optional.empty(), List.of(), rows).get(0);
                OptimisticTransaction txn = log.startTransaction();
                long already = txn.txnVersion(writer);
                if (already >= batch) {
                    throw new IllegalStateException(writer + " finds its batch " + batch + " committed already (txn " + already + ")");
                }
                long now = System.currentTimeMillis();
                List<Action> actions = List.of(new AddFile(file.path(), Map.of(), file.size(), now, true, file.stats(), Map.of()),
                        new SetTransaction(writer, batch, Optional.of(now)));
                long version = txn.commit(actions, new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO).getVersion();
                out.println("COMMITTED " + batch + " " + version);
                out.flush();
            }
            out.println("DONE");
        }
    }
}
