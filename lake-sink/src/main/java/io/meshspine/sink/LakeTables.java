package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.actions.AddFile;
import io.meshspine.core.contract.Contract;
import io.meshspine.sink.internal.Hadoop;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the lake keeps a contract's tables ({@code <lake>/bronze/<domain>/<dataset>},
 * {@code <lake>/silver/<domain>/<dataset>_v<major>}), and what is in them: the tables under a lake root and their row
 * counts, read from the Delta log's file statistics (no data file is opened).
 */
public final class LakeTables {

    public static final String BRONZE = "bronze";
    public static final String SILVER = "silver";

    private LakeTables() {
    }

    /** {@code bronze/<domain>/<dataset>}: one per raw topic, shared by the dataset's major versions. */
    public static String bronzeName(Contract c) {
        return BRONZE + "/" + c.domain() + "/" + c.dataProduct();
    }

    /** {@code silver/<domain>/<dataset>_v<major>}. */
    public static String silverName(Contract c) {
        return SILVER + "/" + c.domain() + "/" + c.silverTable();
    }

    /** A table's location under a lake root, as a URI ({@code file:} for local paths). */
    public static String path(String lakeRoot, String tableName) {
        return Hadoop.qualify(lakeRoot) + "/" + tableName;
    }

    /** Every Delta table under the lake root, by name, in name order. */
    public static List<String> list(String lakeRoot, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        String root = Hadoop.qualify(lakeRoot);
        List<String> tables = new ArrayList<>();
        try {
            FileSystem fs = new Path(root).getFileSystem(conf);
            for (String layer : List.of(BRONZE, SILVER)) {
                Path layerPath = new Path(root + "/" + layer);
                if (!fs.exists(layerPath)) {
                    continue;
                }
                for (FileStatus domain : fs.listStatus(layerPath)) {
                    if (!domain.isDirectory()) {
                        continue;
                    }
                    for (FileStatus table : fs.listStatus(domain.getPath())) {
                        if (table.isDirectory() && fs.exists(new Path(table.getPath(), "_delta_log"))) {
                            tables.add(layer + "/" + domain.getPath().getName() + "/" + table.getPath().getName());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the tables under " + root, e);
        }
        tables.sort(null);
        return tables;
    }

    /** Rows per table under the lake root, from the log's numRecords statistics. */
    public static Map<String, Long> rowCounts(String lakeRoot, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : list(lakeRoot, hadoop)) {
            counts.put(table, rowCount(path(lakeRoot, table), conf));
        }
        return counts;
    }

    public static long rowCount(String tablePath, Configuration conf) {
        DeltaLog log = DeltaLog.forTable(conf, tablePath);
        long rows = 0;
        for (AddFile f : log.update().getAllFiles()) {
            rows += io.meshspine.sink.internal.TableFacts.numRecords(f);
        }
        return rows;
    }
}
