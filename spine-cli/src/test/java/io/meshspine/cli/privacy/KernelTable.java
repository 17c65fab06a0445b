package io.meshspine.cli.privacy;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.SnapshotImpl;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a Delta table with Delta Kernel, a reader we did not write (a copy of lake-sink's test helper: test classes are not shared across modules). */
public final class KernelTable {

    private static final Engine ENGINE = DefaultEngine.create(new Configuration());

    public record Contents(long version, StructType schema, List<String> partitionColumns, List<Map<String, Object>> rows, List<String> paths) {
        int files() {
            return paths.size();
        }

        List<Object> column(String name) {
            return rows.stream().map(r -> r.get(name)).toList();
        }
    }

    private KernelTable() {
    }

    public static Contents read(String path) {
        return read(Table.forPath(ENGINE, path).getLatestSnapshot(ENGINE));
    }

    public static Contents readVersion(String path, long version) {
        return read(Table.forPath(ENGINE, path).getSnapshotAsOfVersion(ENGINE, version));
    }

    /** Row count, or -1 while the table does not exist yet. */
    public static long count(String path) {
        try {
            return read(path).rows().size();
        } catch (io.delta.kernel.exceptions.TableNotFoundException e) {
            return -1;
        }
    }

    /** The data files Delta Kernel would read for a filter: what its data skipping leaves of the table (partition and stats). */
    static List<String> filesFor(String path, io.delta.kernel.expressions.Predicate filter) {
        Snapshot snapshot = Table.forPath(ENGINE, path).getLatestSnapshot(ENGINE);
        Scan scan = snapshot.getScanBuilder().withFilter(filter).build();
        List<String> paths = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(ENGINE)) {
            while (files.hasNext()) {
                try (CloseableIterator<Row> fileRows = files.next().getRows()) {
                    while (fileRows.hasNext()) {
                        paths.add(InternalScanFileUtils.getAddFileStatus(fileRows.next()).getPath());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return paths;
    }

    static Optional<Long> txnVersion(String path, String appId) {
        SnapshotImpl snapshot = (SnapshotImpl) Table.forPath(ENGINE, path).getLatestSnapshot(ENGINE);
        return snapshot.getLatestTransactionVersion(ENGINE, appId);
    }

    private static Contents read(Snapshot snapshot) {
        Scan scan = snapshot.getScanBuilder().build();
        Row scanState = scan.getScanState(ENGINE);
        StructType physical = ScanStateRow.getPhysicalDataReadSchema(ENGINE, scanState);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(ENGINE)) {
            while (files.hasNext()) {
                try (CloseableIterator<Row> fileRows = files.next().getRows()) {
                    while (fileRows.hasNext()) {
                        Row fileRow = fileRows.next();
                        FileStatus status = InternalScanFileUtils.getAddFileStatus(fileRow);
                        paths.add(status.getPath());
                        CloseableIterator<ColumnarBatch> data = ENGINE.getParquetHandler()
                                .readParquetFiles(singleton(status), physical, Optional.empty());
                        try (CloseableIterator<FilteredColumnarBatch> logical = Scan.transformPhysicalData(ENGINE, scanState, fileRow, data)) {
                            while (logical.hasNext()) {
                                try (CloseableIterator<Row> it = logical.next().getRows()) {
                                    while (it.hasNext()) {
                                        rows.add(toMap(it.next()));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Contents(snapshot.getVersion(), snapshot.getSchema(), snapshot.getPartitionColumnNames(), rows, paths);
    }

    private static <T> CloseableIterator<T> singleton(T value) {
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

    private static Map<String, Object> toMap(Row row) {
        Map<String, Object> m = new LinkedHashMap<>();
        StructType schema = row.getSchema();
        for (int i = 0; i < schema.length(); i++) {
            StructField f = schema.at(i);
            m.put(f.getName(), row.isNullAt(i) ? null : rowValue(row, i, f.getDataType()));
        }
        return m;
    }

    private static Object rowValue(Row row, int i, DataType t) {
        if (t instanceof StringType) return row.getString(i);
        if (t instanceof LongType) return row.getLong(i);
        if (t instanceof IntegerType) return row.getInt(i);
        if (t instanceof DateType) return LocalDate.ofEpochDay(row.getInt(i));
        if (t instanceof TimestampType) return micros(row.getLong(i));
        if (t instanceof DecimalType) return row.getDecimal(i);
        if (t instanceof BinaryType) return row.getBinary(i);
        if (t instanceof BooleanType) return row.getBoolean(i);
        if (t instanceof DoubleType) return row.getDouble(i);
        if (t instanceof StructType) return toMap(row.getStruct(i));
        if (t instanceof ArrayType a) return list(row.getArray(i), a.getElementType());
        throw new IllegalArgumentException("unhandled type " + t);
    }

    private static List<Object> list(ArrayValue array, DataType element) {
        List<Object> out = new ArrayList<>();
        ColumnVector v = array.getElements();
        for (int j = 0; j < array.getSize(); j++) {
            out.add(v.isNullAt(j) ? null : vectorValue(v, j, element));
        }
        return out;
    }

    private static Object vectorValue(ColumnVector v, int j, DataType t) {
        if (t instanceof StringType) return v.getString(j);
        if (t instanceof LongType) return v.getLong(j);
        if (t instanceof IntegerType) return v.getInt(j);
        if (t instanceof BinaryType) return v.getBinary(j);
        if (t instanceof StructType s) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int k = 0; k < s.length(); k++) {
                ColumnVector child = v.getChild(k);
                m.put(s.at(k).getName(), child.isNullAt(j) ? null : vectorValue(child, j, s.at(k).getDataType()));
            }
            return m;
        }
        throw new IllegalArgumentException("unhandled element type " + t);
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }
}
