package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Snapshot;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.data.CloseableIterator;
import io.meshspine.sink.internal.BronzeRows;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.ParquetFiles;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which files of an encrypted Bronze table hold rows under given data keys, and how many: after an erasure destroyed
 * those keys, these are the files whose ciphertext is unreadable (the attestation lists them). Reads only the
 * {@code _key_id} column's values, file by file, at the table's current version.
 */
public final class BronzeKeyFiles {

    /** Rows per file (table-relative path) under the keys, at {@code version}. */
    public record Found(long version, Map<String, Long> rowsByFile) {
        public Found {
            rowsByFile = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rowsByFile));
        }
    }

    private BronzeKeyFiles() {
    }

    public static Found find(String tablePath, Set<String> keyIds, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        String table = Hadoop.qualify(tablePath);
        DeltaLog deltaLog = DeltaLog.forTable(conf, table);
        Snapshot snapshot = deltaLog.update();
        if (snapshot.getVersion() < 0 || keyIds.isEmpty()) {
            return new Found(snapshot.getVersion(), Map.of());
        }
        String avro = snapshot.getMetadata().getConfiguration().get(DeltaTable.AVRO_SCHEMA);
        if (avro == null) {
            throw new IllegalArgumentException("table " + table + " was not written by the meshspine sink (no " + DeltaTable.AVRO_SCHEMA + ")");
        }
        Schema schema = new Schema.Parser().parse(avro);
        Schema.Field keyId = schema.getField(BronzeRows.KEY_ID);
        if (keyId == null) {
            return new Found(snapshot.getVersion(), Map.of());
        }
        List<AddFile> files = new ArrayList<>();
        try (CloseableIterator<AddFile> it = snapshot.scan().getFiles()) {
            it.forEachRemaining(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ParquetFiles parquet = new ParquetFiles(conf);
        Map<String, Long> rows = new HashMap<>();
        int pos = keyId.pos();
        for (AddFile f : files) {
            parquet.read(table, f.getPath(), schema, r -> {
                Object id = r.get(pos);
                if (id != null && keyIds.contains(id.toString())) {
                    rows.merge(f.getPath(), 1L, Long::sum);
                }
            });
        }
        Map<String, Long> sorted = new LinkedHashMap<>();
        rows.keySet().stream().sorted().forEach(k -> sorted.put(k, rows.get(k)));
        return new Found(snapshot.getVersion(), sorted);
    }
}
