package io.meshspine.sink.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An external merge sort of rows by business key, in the order Delta statistics compare the key columns (so files cut
 * from the sorted stream have disjoint min/max key ranges), with a bounded amount of memory whatever the number of
 * rows: rows are held as Avro binary up to {@code memoryBytes}, then sorted and spilled to a local temporary file; the
 * runs are merged at the end, each read through a small buffer. More than {@link #MAX_FAN_IN} runs are first merged
 * into one, so the number of open runs stays bounded too. Rows with equal keys keep their input order.
 */
final class KeySort implements AutoCloseable {

    /** Runs merged at once: each holds one read buffer of {@link #IO_BUFFER_BYTES}. */
    static final int MAX_FAN_IN = 64;
    private static final int IO_BUFFER_BYTES = 64 * 1024;
    /** What a buffered row costs beyond its encoded bytes: the array header, the entry, the key's objects. */
    private static final int ROW_OVERHEAD_BYTES = 128;

    @SuppressWarnings("rawtypes")
    private record Entry(Comparable[] key, byte[] row) {
    }

    private final Schema schema;
    private final List<String> keyColumns;
    private final List<StatValue> kinds = new ArrayList<>();
    private final List<Schema> keySchemas = new ArrayList<>();
    private final long memoryBytes;
    private final GenericDatumWriter<GenericRecord> writer;
    private final GenericDatumReader<GenericRecord> reader;
    private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(1024);
    private BinaryEncoder encoder;
    private BinaryDecoder decoder;
    private final List<Entry> buffer = new ArrayList<>();
    private long buffered;
    private final List<Path> runs = new ArrayList<>();
    private Path dir;
    private int spills;

    KeySort(Schema schema, List<String> keyColumns, long memoryBytes) {
        this.schema = schema;
        this.keyColumns = List.copyOf(keyColumns);
        this.memoryBytes = memoryBytes;
        for (String c : keyColumns) {
            Schema s = DeltaSchemas.nonNull(c, schema.getField(c).schema());
            keySchemas.add(s);
            kinds.add(StatValue.of(s));
        }
        this.writer = new GenericDatumWriter<>(schema);
        this.reader = new GenericDatumReader<>(schema);
    }

    void add(GenericRecord row) {
        scratch.reset();
        encoder = EncoderFactory.get().binaryEncoder(scratch, encoder);
        try {
            writer.write(row, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = scratch.toByteArray();
        buffer.add(new Entry(key(row), bytes));
        buffered += bytes.length + ROW_OVERHEAD_BYTES;
        if (buffered >= memoryBytes) {
            spill();
        }
    }

    /** How many sorted runs went to disk (0: the rows fit in memory). */
    int spills() {
        return spills;
    }

    /** Every row added, in key order. */
    void drain(Consumer<GenericRecord> out) {
        buffer.sort(ORDER);
        if (runs.isEmpty()) {
            for (Entry e : buffer) {
                out.accept(decode(e.row()));
            }
            buffer.clear();
            return;
        }
        if (!buffer.isEmpty()) {
            spill();
        }
        merge(runs, out);
    }

    private void spill() {
        buffer.sort(ORDER);
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("meshspine-keysort");
            }
            Path run = dir.resolve("run-" + spills + ".bin");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(run), IO_BUFFER_BYTES))) {
                for (Entry e : buffer) {
                    out.writeInt(e.row().length);
                    out.write(e.row());
                }
            }
            runs.add(run);
            spills++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill sorted rows to a temporary file", e);
        }
        buffer.clear();
        buffered = 0;
        if (runs.size() >= MAX_FAN_IN) {
            // Merge the runs so far into one: later runs join it, and the final merge never opens more than the cap.
            List<Path> merged = new ArrayList<>(runs);
            Path into = dir.resolve("run-" + spills + ".bin");
            spills++;
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(into), IO_BUFFER_BYTES))) {
                merge(merged, row -> {
                    scratch.reset();
                    encoder = EncoderFactory.get().binaryEncoder(scratch, encoder);
                    try {
                        writer.write(row, encoder);
                        encoder.flush();
                        out.writeInt(scratch.size());
                        scratch.writeTo(out);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot merge sorted runs into a temporary file", e);
            }
            merged.forEach(KeySort::deleteQuietly);
            runs.clear();
            runs.add(into);
        }
    }

    /** A k-way merge of sorted runs; on equal keys the earlier run first, so input order is kept. */
    private void merge(List<Path> sources, Consumer<GenericRecord> out) {
        record Head(Comparable<?>[] key, GenericRecord row, int run, DataInputStream in) {
        }
        Comparator<Head> order = (a, b) -> {
            int c = ORDER.compare(new Entry(a.key(), null), new Entry(b.key(), null));
            return c != 0 ? c : Integer.compare(a.run(), b.run());
        };
        PriorityQueue<Head> heads = new PriorityQueue<>(order);
        List<DataInputStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < sources.size(); i++) {
                DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(sources.get(i)), IO_BUFFER_BYTES));
                open.add(in);
                GenericRecord row = next(in);
                if (row != null) {
                    heads.add(new Head(key(row), row, i, in));
                }
            }
            while (!heads.isEmpty()) {
                Head h = heads.poll();
                out.accept(h.row());
                GenericRecord row = next(h.in());
                if (row != null) {
                    heads.add(new Head(key(row), row, h.run(), h.in()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a sorted run", e);
        } finally {
            for (DataInputStream in : open) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // a temporary file, deleted on close
                }
            }
        }
    }

    private GenericRecord next(DataInputStream in) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException end) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return decode(bytes);
    }

    private GenericRecord decode(byte[] bytes) {
        decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
        try {
            return reader.read(null, decoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("rawtypes")
    private Comparable[] key(GenericRecord row) {
        Comparable[] key = new Comparable[keyColumns.size()];
        for (int i = 0; i < key.length; i++) {
            Object v = row.get(keyColumns.get(i));
            StatValue kind = kinds.get(i);
            boolean statOrdered = kind != StatValue.NONE && kind != StatValue.NULL_COUNT_ONLY;
            // The statistics' order where the column has min/max (what the ranges are compared in), else a stable one.
            key[i] = statOrdered ? kind.fromAvro(v, keySchemas.get(i)) : BusinessKey.normalize(v);
        }
        return key;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final Comparator<Entry> ORDER = (a, b) -> {
        for (int i = 0; i < a.key().length; i++) {
            Comparable x = a.key()[i];
            Comparable y = b.key()[i];
            if (x == null || y == null) {
                if (x != y) {
                    return x == null ? -1 : 1;
                }
                continue;
            }
            int c = x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    /** Deletes the spill files. */
    @Override
    public void close() {
        buffer.clear();
        if (dir != null) {
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(KeySort::deleteQuietly);
            } catch (IOException ignored) {
                // the directory is gone already
            }
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary file the OS cleans up
        }
    }
}
