package io.meshspine.dlq.internal;

import io.meshspine.core.deadletter.FailureType;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.QueueEntry;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * The queue's index, outside the heap: one entry of metadata per dead letter ({@link QueueEntry}), in RocksDB under
 * the workbench's state dir, with the state records of {@code spine.dlq.state}, the offsets read so far (so a restart
 * catches up from there) and two orders besides the id: by time (paged lists) and by partition and offset (retention).
 * The counts by contract × failure type × rules × status × source topic are kept in the heap (a few hundred buckets
 * however long the queue), counted once at open and changed with every write. Payloads are not kept: the DLQ has them.
 * Not thread-safe: the {@link QueueReader} that owns it serialises every call.
 */
public final class DeadLetterIndex implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueReader.class);

    /** Changes when the encoding changes: an index of another format is dropped and rebuilt from the topics. */
    private static final int FORMAT = 3;

    private static final byte ENTRY = 'e';
    private static final byte BY_TIME = 't';
    private static final byte BY_OFFSET = 'o';
    private static final byte STATE = 's';
    private static final byte POSITION = 'p';
    private static final byte META = 'm';
    private static final byte[] FORMAT_KEY = "mformat".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNREADABLE_KEY = "munreadable".getBytes(StandardCharsets.UTF_8);

    /** Messages are for lists; inspect shows the whole one from the payload. */
    private static final int MESSAGE_CHARS = 2_000;

    static {
        RocksDB.loadLibrary();
    }

    /** One cell of the counts: what summaries and depth gauges group by, and what access is decided on. */
    public record Bucket(String contract, FailureType failureType, List<String> ruleIds, DeadLetterStatus status, String sourceTopic,
                         String stage) {
        static Bucket of(QueueEntry e) {
            return new Bucket(e.contract(), e.failureType(), e.ruleIds(), e.status(), e.sourceTopic(), e.stage());
        }
    }

    private final Path dir;
    private final boolean temporary;
    private final Options options;
    private final LRUCache cache;
    private final WriteOptions writes;
    private final RocksDB db;
    private final Map<Bucket, Long> counts = new HashMap<>();
    private long size;

    private DeadLetterIndex(Path dir, boolean temporary) {
        this.dir = dir;
        this.temporary = temporary;
        this.cache = new LRUCache(32L << 20);
        this.options = new Options().setCreateIfMissing(true).setWriteBufferSize(16L << 20).setMaxWriteBufferNumber(2)
                .setMaxOpenFiles(256).setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache)
                        // most lookups while loading are of ids not there yet: a bloom filter answers them without reading blocks
                        .setFilterPolicy(new BloomFilter(10, false)));
        // No write-ahead log: what a crash loses is re-read from the topics, since the offsets read go with the entries.
        this.writes = new WriteOptions().setDisableWAL(true);
        try {
            Files.createDirectories(dir);
            this.db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            close(options, cache, writes);
            throw new IllegalStateException("the dlq index in " + dir + " cannot be opened (" + e.getMessage() + "); is another workbench "
                    + "using it? give each workbench its own " + io.meshspine.dlq.DlqSettings.STATE_DIR.key(), e);
        } catch (IOException e) {
            close(options, cache, writes);
            throw new UncheckedIOException("the dlq index directory " + dir + " (" + io.meshspine.dlq.DlqSettings.STATE_DIR.key() + ")", e);
        }
    }

    /**
     * Opens the index in {@code dir} (created when missing; dropped and rebuilt when of another format), or in a
     * temporary directory removed on close when {@code dir} is null.
     */
    public static DeadLetterIndex open(Path dir) {
        DeadLetterIndex index;
        try {
            index = dir == null ? new DeadLetterIndex(Files.createTempDirectory("spine-dlq-index-"), true) : new DeadLetterIndex(dir, false);
        } catch (IOException e) {
            throw new UncheckedIOException("a temporary dlq index directory", e);
        }
        try {
            index.checkFormat();
            index.recount();
            return index;
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    private void checkFormat() {
        byte[] format = get(FORMAT_KEY);
        if (format != null && ByteBuffer.wrap(format).getInt() == FORMAT) {
            return;
        }
        if (format != null) {
            log.info("dlq index of another format dropped; rebuilding from the topics dir={}", dir);
        }
        try (RocksIterator it = db.newIterator()) {
            it.seekToFirst();
            while (it.isValid()) {
                db.delete(writes, it.key());
                it.next();
            }
            db.put(writes, FORMAT_KEY, ByteBuffer.allocate(4).putInt(FORMAT).array());
        } catch (RocksDBException e) {
            throw failure(e);
        }
    }

    /** The counts from the entries themselves, so they can never drift from what the index holds. */
    private void recount() {
        counts.clear();
        size = 0;
        scan(ENTRY, it -> {
            QueueEntry e = decode(it.value());
            counts.merge(Bucket.of(e), 1L, Long::sum);
            size++;
            return true;
        });
    }

    public long size() {
        return size;
    }

    /** The counts now: a copy, one per non-empty bucket. */
    public Map<Bucket, Long> counts() {
        return Map.copyOf(counts);
    }

    public Optional<QueueEntry> entry(String id) {
        byte[] v = get(key(ENTRY, id));
        return v == null ? Optional.empty() : Optional.of(decode(v));
    }

    /** What stewards did to the dead letter so far; untouched when nothing. */
    public DeadLetterState state(String id) {
        byte[] v = get(key(STATE, id));
        return v == null ? DeadLetterState.untouched(id) : StateCodec.decode(v);
    }

    /**
     * Adds a dead letter read from the DLQ, with the state already read for it; false when its id is indexed already
     * (the first one read stays, as the topic had it).
     */
    public boolean add(QueueEntry read) {
        byte[] k = key(ENTRY, read.id());
        if (get(k) != null) {
            return false;
        }
        byte[] state = get(key(STATE, read.id()));
        QueueEntry e = state == null ? read : read.withState(StateCodec.decode(state));
        byte[] encoded = encode(e);
        put(k, encoded);
        // the entry again under its time: a page read in time order reads one run of keys, no lookup per entry
        put(timeKey(e.deadLetteredAt(), e.id()), encoded);
        put(offsetKey(e.partition(), e.offset()), e.id().getBytes(StandardCharsets.UTF_8));
        counts.merge(Bucket.of(e), 1L, Long::sum);
        size++;
        return true;
    }

    /** A state record read from {@code spine.dlq.state} (null: a tombstone, the dead letter is untouched again). */
    public void state(String id, byte[] raw) {
        DeadLetterState s = raw == null ? DeadLetterState.untouched(id) : StateCodec.decode(raw);
        if (raw == null) {
            delete(key(STATE, id));
        } else {
            put(key(STATE, id), raw);
        }
        byte[] k = key(ENTRY, id);
        byte[] v = get(k);
        if (v != null) {
            QueueEntry before = decode(v);
            QueueEntry after = before.withState(s);
            byte[] encoded = encode(after);
            put(k, encoded);
            put(timeKey(after.deadLetteredAt(), id), encoded);
            uncount(Bucket.of(before));
            counts.merge(Bucket.of(after), 1L, Long::sum);
        }
    }

    /** Removes what sits before {@code begin} on a partition (the DLQ's retention deleted it); how many left. */
    public int removeBefore(int partition, long begin) {
        List<byte[]> gone = new ArrayList<>();
        byte[] from = offsetKey(partition, 0);
        byte[] to = offsetKey(partition, begin);
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(from); it.isValid() && Arrays.compareUnsigned(it.key(), to) < 0; it.next()) {
                gone.add(it.key());
                String id = new String(it.value(), StandardCharsets.UTF_8);
                byte[] v = get(key(ENTRY, id));
                if (v != null) {
                    QueueEntry e = decode(v);
                    if (e.partition() == partition) {
                        delete(key(ENTRY, id));
                        delete(timeKey(e.deadLetteredAt(), id));
                        delete(key(STATE, id));
                        uncount(Bucket.of(e));
                        size--;
                    }
                }
            }
        }
        gone.forEach(this::delete);
        return gone.size();
    }

    /** The offset to read the topic's partition from next, when the index has read it before. */
    public OptionalLong position(String topic, int partition) {
        byte[] v = get(positionKey(topic, partition));
        return v == null ? OptionalLong.empty() : OptionalLong.of(ByteBuffer.wrap(v).getLong());
    }

    public void position(String topic, int partition, long next) {
        put(positionKey(topic, partition), ByteBuffer.allocate(8).putLong(next).array());
    }

    public long unreadable() {
        byte[] v = get(UNREADABLE_KEY);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    public void unreadable(long count) {
        put(UNREADABLE_KEY, ByteBuffer.allocate(8).putLong(count).array());
    }

    /** Drops everything read (the topics were recreated under the index): the next read starts from the beginning. */
    public void clear() {
        try (RocksIterator it = db.newIterator()) {
            it.seekToFirst();
            while (it.isValid()) {
                if (!Arrays.equals(it.key(), FORMAT_KEY)) {
                    db.delete(writes, it.key());
                }
                it.next();
            }
        } catch (RocksDBException e) {
            throw failure(e);
        }
        counts.clear();
        size = 0;
    }

    /** Visits every entry in the index's own order (by id: one sequential read) until the visitor says stop. */
    public void all(Predicate<QueueEntry> visitor) {
        scan(ENTRY, it -> visitor.test(decode(it.value())));
    }

    /** Visits the entries by partition and offset (oldest first per partition) until the visitor says stop. */
    public void byOffset(Predicate<QueueEntry> visitor) {
        scan(BY_OFFSET, it -> {
            byte[] v = get(key(ENTRY, new String(it.value(), StandardCharsets.UTF_8)));
            return v == null || visitor.test(decode(v));
        });
    }

    /**
     * Visits the entries by time (then id), newest first or oldest first, starting after {@code (at, id)} when given,
     * until the visitor says stop.
     */
    public void byTime(boolean newestFirst, Instant afterAt, String afterId, Predicate<QueueEntry> visitor) {
        try (ReadOptions read = new ReadOptions().setTotalOrderSeek(true); RocksIterator it = db.newIterator(read)) {
            byte[] start = afterAt == null ? null : timeKey(afterAt, afterId);
            if (newestFirst) {
                if (start == null) {
                    it.seekForPrev(new byte[]{BY_TIME + 1});
                } else {
                    it.seekForPrev(start);
                    if (it.isValid() && Arrays.equals(it.key(), start)) {
                        it.prev();
                    }
                }
            } else if (start == null) {
                it.seek(new byte[]{BY_TIME});
            } else {
                it.seek(start);
                if (it.isValid() && Arrays.equals(it.key(), start)) {
                    it.next();
                }
            }
            while (it.isValid() && it.key()[0] == BY_TIME) {
                if (!visitor.test(decode(it.value()))) {
                    return;
                }
                if (newestFirst) {
                    it.prev();
                } else {
                    it.next();
                }
            }
        }
    }

    private interface Visit {
        boolean at(RocksIterator it);
    }

    private void scan(byte prefix, Visit visit) {
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(new byte[]{prefix}); it.isValid() && it.key()[0] == prefix; it.next()) {
                if (!visit.at(it)) {
                    return;
                }
            }
        }
    }

    private void uncount(Bucket b) {
        counts.computeIfPresent(b, (k, n) -> n <= 1 ? null : n - 1);
    }

    private static byte[] key(byte prefix, String id) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + idBytes.length).put(prefix).put(idBytes).array();
    }

    /** Seconds and nanos big-endian, so byte order is time order (dead letters are never dated before 1970). */
    private static byte[] timeKey(Instant at, String id) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(13 + idBytes.length).put(BY_TIME).putLong(Math.max(0, at.getEpochSecond())).putInt(at.getNano())
                .put(idBytes).array();
    }

    private static byte[] offsetKey(int partition, long offset) {
        return ByteBuffer.allocate(13).put(BY_OFFSET).putInt(partition).putLong(offset).array();
    }

    private static byte[] positionKey(String topic, int partition) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + t.length).put(POSITION).putInt(partition).put(t).array();
    }

    static byte[] encode(QueueEntry e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(e.id());
            out.writeInt(e.partition());
            out.writeLong(e.offset());
            out.writeUTF(e.failureType().name());
            nullable(out, e.contract());
            nullable(out, e.sourceTopic());
            out.writeShort(e.ruleIds().size());
            for (String r : e.ruleIds()) {
                out.writeUTF(r);
            }
            out.writeLong(e.deadLetteredAt().getEpochSecond());
            out.writeInt(e.deadLetteredAt().getNano());
            nullable(out, e.correlationId());
            out.writeInt(e.replayCount());
            nullable(out, e.message() == null || e.message().length() <= MESSAGE_CHARS ? e.message()
                    : e.message().substring(0, MESSAGE_CHARS) + "…");
            nullable(out, e.keySha256());
            out.writeUTF(e.status().name());
            out.writeBoolean(e.repaired());
            nullable(out, e.refused() == null || e.refused().length() <= MESSAGE_CHARS ? e.refused() : e.refused().substring(0, MESSAGE_CHARS));
            nullable(out, e.stage());
            return bytes.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    static QueueEntry decode(byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            String id = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            FailureType type = FailureType.valueOf(in.readUTF());
            String contract = nullable(in);
            String source = nullable(in);
            int rules = in.readShort();
            List<String> ruleIds = new ArrayList<>(rules);
            for (int i = 0; i < rules; i++) {
                ruleIds.add(in.readUTF());
            }
            Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
            String correlation = nullable(in);
            int replayCount = in.readInt();
            String message = nullable(in);
            String keySha = nullable(in);
            DeadLetterStatus status = DeadLetterStatus.valueOf(in.readUTF());
            boolean repaired = in.readBoolean();
            String refused = nullable(in);
            String stage = nullable(in);
            return new QueueEntry(id, partition, offset, type, contract, source, ruleIds, at, correlation, replayCount, message, keySha,
                    status, repaired, refused, stage);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static void nullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String nullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private byte[] get(byte[] k) {
        try {
            return db.get(k);
        } catch (RocksDBException e) {
            throw failure(e);
        }
    }

    private void put(byte[] k, byte[] v) {
        try {
            db.put(writes, k, v);
        } catch (RocksDBException e) {
            throw failure(e);
        }
    }

    private void delete(byte[] k) {
        try {
            db.delete(writes, k);
        } catch (RocksDBException e) {
            throw failure(e);
        }
    }

    private IllegalStateException failure(RocksDBException e) {
        return new IllegalStateException("the dlq index in " + dir + " failed: " + e.getMessage(), e);
    }

    /** Flushes what is in memory to disk (the next start catches up from here), then closes; a temporary index is removed. */
    @Override
    public void close() {
        if (db != null) {
            if (!temporary) {
                try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                    db.flush(flush);
                } catch (RocksDBException e) {
                    log.warn("dlq index not flushed on close dir={} problem={}", dir, e.getMessage());
                }
            }
            db.close();
        }
        close(options, cache, writes);
        if (temporary) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                log.warn("temporary dlq index not removed dir={} problem={}", dir, e.getMessage());
            }
        }
    }

    private static void close(AutoCloseable... parts) {
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception ignored) {
                // closing native handles only frees memory
            }
        }
    }
}
