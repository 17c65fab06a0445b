package io.meshspine.sink.internal;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.GenericDataSupplier;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Parquet data files of a Delta table: written one per partition value (Snappy, standard 3-level lists), with the stats
 * Delta's AddFile carries; read back for copy-on-write and compaction. Local tables are written through plain NIO (no
 * Hadoop {@code .crc} sidecars); other stores through Hadoop's file systems.
 */
public final class ParquetFiles {

    public static final String NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";
    /**
     * Page and dictionary-page size. A batch keeps one open file per partition value and writer lane, and each buffers
     * up to a page and a dictionary per column: at Parquet's 1 MB defaults two lanes on a batch spanning 30 dates hold
     * ~1.4 GB; at 64 KB under 100 MB, and high-cardinality columns (ids) leave dictionary encoding sooner, as they should.
     */
    static final int PAGE_BYTES = 64 * 1024;
    /**
     * Row-group size: a file's writer holds its current row group in memory, so this bounds each open file's buffers
     * (Parquet's 128 MB default would let a copy-on-write rewrite of large files fill a small heap).
     */
    static final int ROW_GROUP_BYTES = 32 * 1024 * 1024;

    /** A data file as the Delta log will list it. */
    public record WrittenFile(String path, Map<String, String> partitionValues, long size, long rows, String stats) {
    }

    private final Configuration conf;

    public ParquetFiles(Configuration conf) {
        this.conf = conf;
    }

    /** Writes the rows, one file per partition value, and returns the files (none for no rows). */
    public List<WrittenFile> write(String tableUri, Schema schema, Optional<String> partitionColumn, List<String> keyColumns,
                                   Iterable<GenericRecord> rows) {
        Map<String, List<GenericRecord>> byPartition = new LinkedHashMap<>();
        int partitionPos = partitionColumn.map(c -> schema.getField(c).pos()).orElse(-1);
        Schema partitionSchema = partitionColumn.map(c -> DeltaSchemas.nonNull(c, schema.getField(c).schema())).orElse(null);
        for (GenericRecord row : rows) {
            String value = partitionPos < 0 ? "" : partitionValue(partitionSchema, row.get(partitionPos));
            byPartition.computeIfAbsent(value, v -> new ArrayList<>()).add(row);
        }
        List<WrittenFile> files = new ArrayList<>();
        for (Map.Entry<String, List<GenericRecord>> e : byPartition.entrySet()) {
            Map<String, String> partitionValues = new LinkedHashMap<>();
            String dir = "";
            if (partitionColumn.isPresent()) {
                String v = e.getKey();
                partitionValues.put(partitionColumn.get(), v);
                dir = partitionColumn.get() + "=" + (v == null ? NULL_PARTITION : escape(v)) + "/";
            }
            files.add(writeFile(tableUri, dir, partitionValues, schema, keyColumns, e.getValue()::forEach));
        }
        return files;
    }

    /** One file of rows, in the given partition directory ({@code ""} or {@code col=value/}). */
    public WrittenFile writeFile(String tableUri, String partitionDir, Map<String, String> partitionValues, Schema schema,
                                 List<String> keyColumns, Consumer<Consumer<GenericRecord>> rows) {
        OpenFile file = open(tableUri, partitionDir, partitionValues, schema, keyColumns);
        try {
            rows.accept(file::write);
        } catch (RuntimeException e) {
            file.abandon();
            throw e;
        }
        return file.close();
    }

    /** A data file being written: rows go in one at a time, the stats are gathered on the way. */
    public final class OpenFile {
        private final String tableUri;
        private final String relative;
        private final Map<String, String> partitionValues;
        private final FileStats stats;
        private final ParquetWriter<GenericRecord> writer;
        private final Path local;

        private OpenFile(String tableUri, String relative, Map<String, String> partitionValues, FileStats stats,
                         ParquetWriter<GenericRecord> writer, Path local) {
            this.tableUri = tableUri;
            this.relative = relative;
            this.partitionValues = partitionValues;
            this.stats = stats;
            this.writer = writer;
            this.local = local;
        }

        public void write(GenericRecord row) {
            try {
                writer.write(row);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a data file of " + tableUri, e);
            }
            stats.add(row);
        }

        /** About how many bytes the file holds so far (written row groups plus what is buffered). */
        public long dataSize() {
            return writer.getDataSize();
        }

        /** The log's path of this file (URI-encoded, relative to the table). */
        public String logPath() {
            return relative.replace("%", "%25");
        }

        public WrittenFile close() {
            try {
                closed = true;
                writer.close();
                long size = local != null ? Files.size(local.resolve(relative))
                        : fs(tableUri).getFileStatus(new org.apache.hadoop.fs.Path(tableUri + "/" + relative)).getLen();
                // The log holds a URI relative to the table: an escaped partition value's % must itself be escaped.
                return new WrittenFile(logPath(), partitionValues, size, stats.rows(), stats.toLogValue());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a data file of " + tableUri, e);
            }
        }

        private boolean closed;

        /** Deletes the file if it was not closed (and so handed over) already. */
        void abandonIfOpen() {
            if (!closed) {
                abandon();
            }
        }

        /** Closes and deletes the file: its rows will be written again, elsewhere. */
        public void abandon() {
            closed = true;
            try {
                writer.close();
            } catch (IOException | RuntimeException ignored) {
                // the file is deleted below, or left for vacuum
            }
            deleteQuietly(tableUri, List.of(logPath()));
        }
    }

    /**
     * The columns of a contract's rows written without a Parquet dictionary: its business key and its PII fields masked
     * by hash or token (HMAC hex, random-looking: no two rows share a value unless they share the subject, so a
     * dictionary only fills up, overflows and has its page re-encoded plain), and its decimals and timestamps (see
     * {@link #nearlyUnique}; ~9 % of a backfill's CPU, docs/benchmarks.md). Only columns {@code schema} has.
     */
    public static List<String> plainColumns(io.meshspine.core.contract.Contract contract, Schema schema) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>(contract.keys());
        contract.pii().stream().filter(p -> p.masking() == io.meshspine.core.contract.Masking.HASH
                || p.masking() == io.meshspine.core.contract.Masking.TOKENIZE).forEach(p -> out.add(p.field()));
        out.removeIf(c -> schema.getField(c) == null);
        for (Schema.Field f : schema.getFields()) {
            if (nearlyUnique(f)) {
                out.add(f.name());
            }
        }
        return List.copyOf(out);
    }

    /**
     * Amounts and instants: decimals and timestamps take nearly a new value per row (cents, microseconds), so a
     * dictionary hashes and compares each one only to overflow within the first few thousand rows of every file.
     */
    private static boolean nearlyUnique(Schema.Field field) {
        org.apache.avro.LogicalType t = DeltaSchemas.nonNull(field.name(), field.schema()).getLogicalType();
        return t instanceof org.apache.avro.LogicalTypes.Decimal || t instanceof org.apache.avro.LogicalTypes.TimestampMicros
                || t instanceof org.apache.avro.LogicalTypes.TimestampMillis;
    }

    /** @param keyColumns columns written without a dictionary (the business key, or {@link #plainColumns}) */
    public OpenFile open(String tableUri, String partitionDir, Map<String, String> partitionValues, Schema schema, List<String> keyColumns) {
        return open(tableUri, partitionDir, "part-", partitionValues, schema, keyColumns);
    }

    /** A new file whose name starts with {@code namePrefix} (a backfill's files name their run, so it can tell them from others). */
    public OpenFile open(String tableUri, String partitionDir, String namePrefix, Map<String, String> partitionValues, Schema schema,
                         List<String> keyColumns) {
        String relative = partitionDir + namePrefix + UUID.randomUUID() + ".snappy.parquet";
        Path local = Hadoop.localPath(tableUri);
        try {
            OutputFile out;
            if (local != null) {
                Path file = local.resolve(relative);
                Files.createDirectories(file.getParent());
                out = new LocalOutputFile(file);
            } else {
                out = HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(tableUri + "/" + relative), conf);
            }
            AvroParquetWriter.Builder<GenericRecord> builder = AvroParquetWriter.<GenericRecord>builder(out).withSchema(schema)
                    .withConf(conf).withDataModel(GenericData.get()).withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withPageSize(PAGE_BYTES).withDictionaryPageSize(PAGE_BYTES).withRowGroupSize((long) ROW_GROUP_BYTES);
            // The business key (keyColumns): no two rows of a file share a value, so a dictionary would only fill up,
            // overflow and have its page re-encoded plain. Low-cardinality columns keep theirs.
            keyColumns.forEach(c -> builder.withDictionaryEncoding(c, false));
            opaqueBytesColumns(schema).forEach(c -> builder.withDictionaryEncoding(c, false));
            ParquetWriter<GenericRecord> writer = builder.build();
            return new OpenFile(tableUri, relative, partitionValues, new FileStats(schema, partitionValues.keySet()), writer, local);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data file of " + tableUri, e);
        }
    }

    /**
     * Top-level columns of plain bytes (no logical type): Bronze's raw {@code _key} and {@code _value} and, in an
     * encrypted table, every PII column's ciphertext. Each value is unique by construction (a ciphertext carries a fresh
     * nonce), so a dictionary would hash and compare every value only to overflow and be re-encoded plain.
     */
    static List<String> opaqueBytesColumns(Schema schema) {
        List<String> columns = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            Schema s = f.schema();
            if (s.getType() == Schema.Type.UNION && s.getTypes().size() == 2) {
                s = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElse(s);
            }
            if (s.getType() == Schema.Type.BYTES && s.getLogicalType() == null) {
                columns.add(f.name());
            }
        }
        return columns;
    }

    /** The directory ({@code col=value/}, or {@code ""} unpartitioned) and partition values of a row's partition value. */
    public static String partitionDir(Optional<String> partitionColumn, String value) {
        return partitionColumn.map(c -> c + "=" + (value == null ? NULL_PARTITION : escape(value)) + "/").orElse("");
    }

    /** Reads every row of a data file (a path as the log lists it) with the given reader schema. */
    public void read(String tableUri, String logPath, Schema readerSchema, Consumer<GenericRecord> rows) {
        read(tableUri, logPath, readerSchema, false, rows);
    }

    /** Reads only the reader schema's columns of every row (a Parquet projection: the other columns are not decoded). */
    public void readColumns(String tableUri, String logPath, Schema columns, Consumer<GenericRecord> rows) {
        read(tableUri, logPath, columns, true, rows);
    }

    private void read(String tableUri, String logPath, Schema readerSchema, boolean project, Consumer<GenericRecord> rows) {
        String relative = logPath.replace("%25", "%");
        Configuration c = new Configuration(conf);
        AvroReadSupport.setAvroReadSchema(c, readerSchema);
        if (project) {
            AvroReadSupport.setRequestedProjection(c, readerSchema);
        }
        AvroReadSupport.setAvroDataSupplier(c, GenericDataSupplier.class);
        Path local = Hadoop.localPath(tableUri);
        try {
            InputFile in = local != null ? new LocalInputFile(local.resolve(relative))
                    : HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(tableUri + "/" + relative), c);
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(in)
                    .withDataModel(GenericData.get()).withConf(c).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                    rows.accept(r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data file " + logPath + " of " + tableUri, e);
        }
    }

    /** Deletes data files that no commit references (an abandoned or failed attempt's). */
    public void deleteQuietly(String tableUri, List<String> logPaths) {
        for (String p : logPaths) {
            try {
                String relative = p.replace("%25", "%");
                Path local = Hadoop.localPath(tableUri);
                if (local != null) {
                    Files.deleteIfExists(local.resolve(relative));
                } else {
                    fs(tableUri).delete(new org.apache.hadoop.fs.Path(tableUri + "/" + relative), false);
                }
            } catch (IOException | RuntimeException e) {
                // Vacuum removes what is left; an orphan is invisible to readers.
                org.slf4j.LoggerFactory.getLogger(ParquetFiles.class).warn("could not delete uncommitted file table={} file={} error={}",
                        tableUri, p, e.toString());
            }
        }
    }

    FileSystem fs(String tableUri) throws IOException {
        return new org.apache.hadoop.fs.Path(tableUri).getFileSystem(conf);
    }

    /** A partition value as Delta's log spells it: dates ISO, numbers decimal, strings as they are. */
    public static String partitionValue(Schema s, Object v) {
        if (v == null) {
            return null;
        }
        if (s.getLogicalType() instanceof LogicalTypes.Date) {
            return LocalDate.ofEpochDay(((Number) v).longValue()).toString();
        }
        if (s.getLogicalType() != null) {
            throw new IllegalArgumentException("cannot partition by a " + s.getLogicalType().getName() + " column");
        }
        return v.toString();
    }

    /** Hive-style escaping of a partition directory name. */
    static String escape(String value) {
        StringBuilder b = new StringBuilder();
        for (char ch : value.toCharArray()) {
            if (Character.isLetterOrDigit(ch) && ch < 128 || ch == '-' || ch == '_' || ch == '.') {
                b.append(ch);
            } else {
                for (byte x : String.valueOf(ch).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    b.append('%').append(String.format("%02X", x));
                }
            }
        }
        return b.toString();
    }
}
