package io.meshspine.cli.chaos;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Silver table as Delta Kernel reads it (a reader we did not write, not the sink's own code): the chosen columns of
 * every row, as text. The chaos check compares these with what the sources hold.
 */
final class SilverTable {

    private static final Engine ENGINE = DefaultEngine.create(new Configuration());

    private SilverTable() {
    }

    /** Each row's {@code columns} as strings (null stays null); an empty list while the table does not exist yet. */
    static List<List<String>> rows(String path, List<String> columns) {
        Snapshot snapshot;
        try {
            snapshot = Table.forPath(ENGINE, path).getLatestSnapshot(ENGINE);
        } catch (TableNotFoundException e) {
            return List.of();
        }
        Scan scan = snapshot.getScanBuilder().build();
        Row scanState = scan.getScanState(ENGINE);
        StructType physical = ScanStateRow.getPhysicalDataReadSchema(ENGINE, scanState);
        List<List<String>> rows = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(ENGINE)) {
            while (files.hasNext()) {
                try (CloseableIterator<Row> fileRows = files.next().getRows()) {
                    while (fileRows.hasNext()) {
                        Row fileRow = fileRows.next();
                        FileStatus status = InternalScanFileUtils.getAddFileStatus(fileRow);
                        CloseableIterator<ColumnarBatch> data = ENGINE.getParquetHandler()
                                .readParquetFiles(one(status), physical, Optional.empty());
                        try (CloseableIterator<FilteredColumnarBatch> logical = Scan.transformPhysicalData(ENGINE, scanState, fileRow, data)) {
                            while (logical.hasNext()) {
                                try (CloseableIterator<Row> it = logical.next().getRows()) {
                                    while (it.hasNext()) {
                                        rows.add(values(it.next(), columns));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Delta table " + path, e);
        }
        return rows;
    }

    private static List<String> values(Row row, List<String> columns) {
        StructType schema = row.getSchema();
        List<String> out = new ArrayList<>(columns.size());
        for (String column : columns) {
            int i = schema.indexOf(column);
            if (i < 0) {
                throw new IllegalStateException("the Silver table has no column " + column + " (columns: " + schema.fieldNames() + ")");
            }
            if (row.isNullAt(i)) {
                out.add(null);
                continue;
            }
            var type = schema.at(i).getDataType();
            if (type instanceof io.delta.kernel.types.StringType) {
                out.add(row.getString(i));
            } else if (type instanceof io.delta.kernel.types.LongType) {
                out.add(Long.toString(row.getLong(i)));
            } else if (type instanceof io.delta.kernel.types.IntegerType) {
                out.add(Integer.toString(row.getInt(i)));
            } else {
                throw new IllegalStateException("column " + column + " has type " + type + ", not read by the chaos check");
            }
        }
        return out;
    }

    private static <T> CloseableIterator<T> one(T value) {
        return new CloseableIterator<>() {
            boolean done;

            @Override
            public boolean hasNext() {
                return !done;
            }

            @Override
            public T next() {
                done = true;
                return value;
            }

            @Override
            public void close() {
            }
        };
    }
}
