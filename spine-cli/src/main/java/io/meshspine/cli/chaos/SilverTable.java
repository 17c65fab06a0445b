package io.meshspine.cli.chaos;

import io.delta.kernel.data.Row;
import io.delta.kernel.types.StructType;
import io.meshspine.testkit.KernelTable;

import java.util.ArrayList;
import java.util.List;

/**
 * A Silver table as Delta Kernel reads it (a reader we did not write, not the sink's own code): the chosen columns of
 * every row, as text. The chaos check compares these with what the sources hold.
 */
final class SilverTable {

    private SilverTable() {
    }

    /** Each row's {@code columns} as strings (null stays null); an empty list while the table does not exist yet. */
    static List<List<String>> rows(String path, List<String> columns) {
        List<List<String>> rows = new ArrayList<>();
        KernelTable.forEachRow(path, row -> rows.add(values(row, columns)));
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
}
