package io.meshspine.sink.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * One backfill worker's upsert changes, bounded in memory: what decides, at the end, each key's row by
 * {@link NewestChange} over all its changes in read order, exactly as folding them one by one would.
 *
 * <p>A key's changes are not folded as they arrive: {@code NewestChange} is not associative (a change without a sequence,
 * or from another log, always wins against the one held, so an older change after it wins too), and a fold cut at a
 * spill would give another answer than a sequential one. Instead a change stands in for the one before it only when
 * that is exact whatever came earlier: one without a sequence, or one of the same log not older; and a change of the
 * same log older than the one before it is dropped. Other changes are kept side by side (in read order) until the end.
 * For CDC tables this leaves one change per key. When more than {@code inMemory} changes are held they are written, in
 * key order, to a run file of the {@link SpillDirectory} and forgotten; more than {@link #MAX_RUNS} runs are merged
 * into one (the same rule applied across them). {@link #merge} then merges every worker's runs and memory by key and
 * folds each key's changes in read order from nothing.
 *
 * <p>Exact when one business key's records all go to one worker (a producer keys by the business key, and the backfill
 * hands records over by raw key); a key whose records carry different raw keys is folded in read order across workers
 * after each worker's rule above, as before this class (see {@link BackfillJob}).
 */
final class UpsertState implements AutoCloseable {

    /** Runs a worker keeps before merging them: each is an open file in the final merge. */
    static final int MAX_RUNS = 64;

    /** A change and where it was read; {@code earlier}: the key's older changes this one could not stand for. */
    record Held(SilverRows.KeyChange change, long ordinal, Held earlier) {
    }

    private final int inMemory;
    private final SpillDirectory spill;
    private final Schema rowSchema;
    private final List<String> keyColumns;
    private TreeMap<BusinessKey, Held> held = new TreeMap<>();
    private int count;
    private final List<Path> runs = new ArrayList<>();
    private int spills;
    private final GenericDatumWriter<GenericRecord> writer;
    private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;

    /**
     * @param inMemory  changes held before spilling (at least 1)
     * @param rowSchema the upsert table's row schema (rows are spilled as its Avro binary encoding)
     */
    UpsertState(int inMemory, SpillDirectory spill, Schema rowSchema, List<String> keyColumns) {
        this.inMemory = Math.max(1, inMemory);
        this.spill = spill;
        this.rowSchema = rowSchema;
        this.keyColumns = keyColumns;
        this.writer = new GenericDatumWriter<>(rowSchema);
    }

    /** A change of {@code key}, read at {@code ordinal} (after every change added before it). */
    void add(BusinessKey key, SilverRows.KeyChange change, long ordinal) {
        Held last = held.get(key);
        if (last == null) {
            held.put(key, new Held(change, ordinal, null));
            count++;
        } else if (standsFor(last.change(), change)) {
            held.put(key, new Held(change, ordinal, last.earlier()));
        } else if (!SourceSequence.isAfter(last.change().sequence(), change.sequence())) {
            held.put(key, new Held(change, ordinal, last));
            count++;
        }
        // else: an older change of the same log than the one before it: folding it changes nothing, whatever came earlier
        if (count > inMemory) {
            spill();
        }
    }

    /**
     * Whether folding {@code before} then {@code after} ends as folding {@code after} alone, from any held change: true
     * when {@code after} has no sequence (it replaces anything), or is of {@code before}'s log and not older (it
     * replaces {@code before}, and whatever {@code before} could replace).
     */
    static boolean standsFor(SilverRows.KeyChange before, SilverRows.KeyChange after) {
        return after.sequence() == null
                || SourceSequence.sameLog(before.sequence(), after.sequence()) && !SourceSequence.isAfter(before.sequence(), after.sequence());
    }

    /** Runs written so far (merges included). */
    int spills() {
        return spills;
    }

    private void spill() {
        Path file = spill.newFile("upserts");
        try (RunWriter out = new RunWriter(file)) {
            for (Map.Entry<BusinessKey, Held> e : held.entrySet()) {
                out.write(e.getKey(), chain(e.getValue()));
            }
        }
        runs.add(file);
        spills++;
        held = new TreeMap<>();
        count = 0;
        if (runs.size() > MAX_RUNS) {
            compactRuns();
        }
    }

    /** Every run into one, each key's changes reduced by the same rule as in memory (they are one worker's, in read order). */
    private void compactRuns() {
        Path file = spill.newFile("upserts");
        List<Source> sources = new ArrayList<>();
        for (Path p : runs) {
            sources.add(new RunSource(p));
        }
        try (RunWriter out = new RunWriter(file)) {
            mergeSources(sources, (key, changes) -> {
                changes.sort(Comparator.comparingLong(Held::ordinal));
                List<Held> reduced = new ArrayList<>();
                for (Held h : changes) {
                    Held last = reduced.isEmpty() ? null : reduced.get(reduced.size() - 1);
                    if (last == null) {
                        reduced.add(h);
                    } else if (standsFor(last.change(), h.change())) {
                        reduced.set(reduced.size() - 1, h);
                    } else if (!SourceSequence.isAfter(last.change().sequence(), h.change().sequence())) {
                        reduced.add(h);
                    }
                }
                out.write(key, reduced);
            });
        }
        for (Path p : runs) {
            deleteQuietly(p);
        }
        runs.clear();
        runs.add(file);
        spills++;
    }

    /** A key's held changes, oldest first. */
    private static List<Held> chain(Held newest) {
        List<Held> out = new ArrayList<>(1);
        for (Held h = newest; h != null; h = h.earlier()) {
            out.add(h);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** Every worker's changes, by key, folded in read order; can be walked more than once (a replace plans again on conflict). */
    static Merged merge(List<UpsertState> states) {
        return new Merged(states);
    }

    /** The workers' upsert state once every record is decided. */
    static final class Merged {
        private final List<UpsertState> states;

        private Merged(List<UpsertState> states) {
            this.states = states;
        }

        /** Each key's newest change (a delete: null row), in key order. */
        void forEach(BiConsumer<BusinessKey, SilverRows.KeyChange> each) {
            forEach(null, (key, newest, tombstones) -> each.accept(key, newest));
        }

        /**
         * Each key's newest change (null: the key has tombstones only) with the key's tombstones, in key order, over the
         * keys of either: the rebuilt state and the table's tombstones meet in one merge, and neither is held whole.
         *
         * @param tombstones an {@link UpsertState} filled by {@link #addTombstone} (null: none)
         */
        void forEach(UpsertState tombstones, WithTombstones each) {
            List<Source> sources = new ArrayList<>();
            List<UpsertState> all = new ArrayList<>(states);
            if (tombstones != null) {
                all.add(tombstones);
            }
            for (UpsertState s : all) {
                for (Path p : s.runs) {
                    sources.add(s.new RunSource(p));
                }
                sources.add(new MemorySource(s.held.entrySet().iterator()));
            }
            mergeSources(sources, (key, changes) -> {
                changes.sort(Comparator.comparingLong(Held::ordinal));
                SilverRows.KeyChange newest = null;
                List<String> deleted = List.of();
                for (Held h : changes) {
                    if (h.ordinal() < 0) {
                        if (deleted.isEmpty()) {
                            deleted = new ArrayList<>(1);
                        }
                        deleted.add(h.change().sequence());
                    } else if (NewestChange.replaces(newest, h.change())) {
                        newest = h.change();
                    }
                }
                each.accept(key, newest, deleted);
            });
        }
    }

    /** A key's newest change and its tombstones' sequences (empty: none). */
    @FunctionalInterface
    interface WithTombstones {
        void accept(BusinessKey key, SilverRows.KeyChange newest, List<String> tombstones);
    }

    /**
     * A tombstone of the table, in a state of its own that only holds tombstones: told from changes by a negative
     * ordinal (changes are read at ordinals from 0), and reduced like changes (per key the newest of each source log).
     */
    void addTombstone(BusinessKey key, String sequence) {
        add(key, new SilverRows.Change.Delete(key, sequence), Long.MIN_VALUE + tombstoneOrdinal++);
    }

    private long tombstoneOrdinal;

    /** A k-way merge by key; {@code each} gets every source's changes of one key together (in no particular order). */
    private static void mergeSources(List<Source> sources, BiConsumer<BusinessKey, List<Held>> each) {
        PriorityQueue<Source> queue = new PriorityQueue<>(Comparator.comparing(Source::key));
        try {
            for (Source s : sources) {
                if (s.advance()) {
                    queue.add(s);
                }
            }
            List<Source> same = new ArrayList<>();
            while (!queue.isEmpty()) {
                Source first = queue.poll();
                BusinessKey key = first.key();
                List<Held> changes = new ArrayList<>(first.changes());
                same.add(first);
                while (!queue.isEmpty() && queue.peek().key().compareTo(key) == 0) {
                    Source s = queue.poll();
                    changes.addAll(s.changes());
                    same.add(s);
                }
                each.accept(key, changes);
                for (Source s : same) {
                    if (s.advance()) {
                        queue.add(s);
                    }
                }
                same.clear();
            }
        } finally {
            sources.forEach(Source::close);
        }
    }

    @Override
    public void close() {
        runs.forEach(UpsertState::deleteQuietly);
        runs.clear();
        held = new TreeMap<>();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // the spill directory goes as a whole at the end
        }
    }

    /** A sorted stream of keys with their changes. */
    private interface Source {
        /** Moves to the next key; false at the end. */
        boolean advance();

        BusinessKey key();

        List<Held> changes();

        default void close() {
        }
    }

    private static final class MemorySource implements Source {
        private final Iterator<Map.Entry<BusinessKey, Held>> entries;
        private Map.Entry<BusinessKey, Held> current;

        MemorySource(Iterator<Map.Entry<BusinessKey, Held>> entries) {
            this.entries = entries;
        }

        @Override
        public boolean advance() {
            current = entries.hasNext() ? entries.next() : null;
            return current != null;
        }

        @Override
        public BusinessKey key() {
            return current.getKey();
        }

        @Override
        public List<Held> changes() {
            return chain(current.getValue());
        }
    }

    /**
     * A run file: per key, its values ({@link KeyValues}), then its changes oldest first: read ordinal, delete or
     * upsert, sequence, and an upsert's row as Avro binary of the table's row schema.
     */
    private final class RunWriter implements AutoCloseable {
        private final Path file;
        private final DataOutputStream out;

        RunWriter(Path file) {
            this.file = file;
            try {
                this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot spill upsert changes to " + file, e);
            }
        }

        void write(BusinessKey key, List<Held> changes) {
            try {
                out.writeBoolean(true);
                KeyValues.write(out, key, keyColumns);
                out.writeInt(changes.size());
                for (Held h : changes) {
                    out.writeLong(h.ordinal());
                    GenericRecord row = h.change().row();
                    out.writeBoolean(row != null);
                    String seq = h.change().sequence();
                    out.writeBoolean(seq != null);
                    if (seq != null) {
                        KeyValues.writeString(out, seq);
                    }
                    if (row != null) {
                        scratch.reset();
                        encoder = EncoderFactory.get().binaryEncoder(scratch, encoder);
                        writer.write(row, encoder);
                        encoder.flush();
                        out.writeInt(scratch.size());
                        scratch.writeTo(out);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot spill upsert changes to " + file, e);
            }
        }

        @Override
        public void close() {
            try {
                out.writeBoolean(false);
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot spill upsert changes to " + file, e);
            }
        }
    }

    private final class RunSource implements Source {
        private final Path file;
        private final GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(rowSchema, rowSchema, GenericData.get());
        private DataInputStream in;
        private BinaryDecoder decoder;
        private BusinessKey key;
        private List<Held> changes;

        RunSource(Path file) {
            this.file = file;
        }

        @Override
        public boolean advance() {
            try {
                if (in == null) {
                    in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
                }
                if (!in.readBoolean()) {
                    close();
                    return false;
                }
                key = KeyValues.read(in);
                int n = in.readInt();
                changes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long ordinal = in.readLong();
                    boolean upsert = in.readBoolean();
                    String seq = in.readBoolean() ? KeyValues.readString(in) : null;
                    SilverRows.KeyChange change;
                    if (upsert) {
                        byte[] bytes = new byte[in.readInt()];
                        in.readFully(bytes);
                        decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
                        change = new SilverRows.Change.Upsert(key, reader.read(null, decoder), seq);
                    } else {
                        change = new SilverRows.Change.Delete(key, seq);
                    }
                    changes.add(new Held(change, ordinal, null));
                }
                return true;
            } catch (EOFException e) {
                throw new IllegalStateException("the upsert spill file " + file + " ends early (deleted or truncated while the backfill ran?)", e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the upsert spill file " + file, e);
            }
        }

        @Override
        public BusinessKey key() {
            return key;
        }

        @Override
        public List<Held> changes() {
            return changes;
        }

        @Override
        public void close() {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // read to the end or abandoned: nothing to keep
                }
                in = null;
            }
        }
    }

    /** A business key's values in a spill file, back as the same {@link BusinessKey} (same classes, so equal and ordered alike). */
    static final class KeyValues {
        private KeyValues() {
        }

        static void write(DataOutputStream out, BusinessKey key, List<String> columns) throws IOException {
            out.writeShort(key.values().size());
            for (int i = 0; i < key.values().size(); i++) {
                Object v = key.values().get(i);
                if (v == null) {
                    out.writeByte(0);
                } else if (v instanceof String s) {
                    out.writeByte(1);
                    writeString(out, s);
                } else if (v instanceof Long l) {
                    out.writeByte(2);
                    out.writeLong(l);
                } else if (v instanceof Double d) {
                    out.writeByte(3);
                    out.writeDouble(d);
                } else if (v instanceof Float f) {
                    out.writeByte(4);
                    out.writeFloat(f);
                } else if (v instanceof Boolean b) {
                    out.writeByte(5);
                    out.writeBoolean(b);
                } else if (v instanceof ByteBuffer b) {
                    out.writeByte(6);
                    ByteBuffer d = b.duplicate();
                    out.writeInt(d.remaining());
                    byte[] bytes = new byte[d.remaining()];
                    d.get(bytes);
                    out.write(bytes);
                } else {
                    throw new IllegalStateException("upsert key column " + (i < columns.size() ? columns.get(i) : "#" + i) + " holds a "
                            + v.getClass().getSimpleName() + ", which the backfill cannot spill to disk; run it with a larger --memory-rows"
                            + " (the table's keys must then fit in memory)");
                }
            }
        }

        static BusinessKey read(DataInputStream in) throws IOException {
            int n = in.readShort();
            List<Comparable<?>> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int tag = in.readByte();
                values.add(switch (tag) {
                    case 0 -> null;
                    case 1 -> readString(in);
                    case 2 -> in.readLong();
                    case 3 -> in.readDouble();
                    case 4 -> in.readFloat();
                    case 5 -> in.readBoolean();
                    case 6 -> {
                        byte[] bytes = new byte[in.readInt()];
                        in.readFully(bytes);
                        yield ByteBuffer.wrap(bytes);
                    }
                    default -> throw new IllegalStateException("upsert spill file: unknown key value tag " + tag);
                });
            }
            return new BusinessKey(values);
        }

        static void writeString(DataOutputStream out, String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }

        static String readString(DataInputStream in) throws IOException {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }
}
