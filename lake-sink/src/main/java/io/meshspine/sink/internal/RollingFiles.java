package io.meshspine.sink.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rows streamed into data files of about a target size, one open file per partition value: a file that reaches the
 * target is closed and the next row of its partition starts a new one. What it holds in memory is each open file's
 * buffers (a row group at most), whatever the number of rows that pass through.
 */
final class RollingFiles {

    private final ParquetFiles files;
    private final String tableUri;
    private final Schema schema;
    private final Optional<String> partitionColumn;
    private final List<String> keyColumns;
    private final long targetBytes;
    private final Map<String, ParquetFiles.OpenFile> open = new HashMap<>();
    private final List<ParquetFiles.WrittenFile> written = new ArrayList<>();

    RollingFiles(ParquetFiles files, String tableUri, Schema schema, Optional<String> partitionColumn, List<String> keyColumns, long targetBytes) {
        this.files = files;
        this.tableUri = tableUri;
        this.schema = schema;
        this.partitionColumn = partitionColumn;
        this.keyColumns = keyColumns;
        this.targetBytes = targetBytes;
    }

    /** A row of the partition with this value ({@code null}: the null partition; ignored when unpartitioned). */
    void write(String partitionValue, GenericRecord row) {
        String slot = partitionValue == null ? "\u0000null" : partitionValue;
        ParquetFiles.OpenFile file = open.get(slot);
        if (file == null) {
            Map<String, String> values = new LinkedHashMap<>();
            partitionColumn.ifPresent(c -> values.put(c, partitionValue));
            file = files.open(tableUri, ParquetFiles.partitionDir(partitionColumn, partitionValue), values, schema, keyColumns);
            open.put(slot, file);
        }
        file.write(row);
        if (file.dataSize() >= targetBytes) {
            written.add(file.close());
            open.remove(slot);
        }
    }

    /** Closes the open files; every file written, in the order they were finished. */
    List<ParquetFiles.WrittenFile> close() {
        for (ParquetFiles.OpenFile f : open.values()) {
            written.add(f.close());
        }
        open.clear();
        return List.copyOf(written);
    }

    /** Deletes every file written or open: the rewrite failed. */
    void abandon() {
        open.values().forEach(ParquetFiles.OpenFile::abandon);
        open.clear();
        files.deleteQuietly(tableUri, written.stream().map(ParquetFiles.WrittenFile::path).toList());
        written.clear();
    }
}
