package io.meshspine.sink.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The identities (the gate's 16-byte dedup HMACs) of the records a backfill let through, so a record Bronze holds
 * twice passes once, as it did at the gate. Saved with each committed chunk, so a resumed run still drops the
 * duplicates of records an earlier chunk passed. Shared by the backfill's workers: each call holds the instance's lock
 * (one short probe; the decisions around it take far longer).
 *
 * <p>Memory is bounded: an open-addressing table over two longs per identity (about 32 bytes each at its load factor)
 * holds at most {@code inMemory} identities; when full, the table is written as it is to a file in the spill
 * directory (a "run", probed from a read-only mapping the same way as in memory) and emptied. Every spilled identity
 * also goes into one blocked Bloom filter sized for the rows the backfill reads (16 to 32 bits each: 32 MB for ten
 * million), so the common question, "is this new record's identity known?", is answered from memory without touching a run;
 * only Bloom hits (true duplicates, and about one in a thousand others) probe the runs, newest first. Nothing is
 * approximate: a run probe decides. Why not sorted runs merged at the end: dedup decides online (the first copy
 * passes and is written), so the answer is needed per record.
 */
final class BackfillIdentities implements AutoCloseable {

    /** A run is mapped whole: its table must stay under 2 GB. */
    private static final int MAX_IN_MEMORY = 1 << 26;
    private static final int BLOOM_BITS_PER_ID = 16;
    /** Bits set per identity, all in one 512-bit block (one cache line). */
    private static final int BLOOM_PROBES = 7;

    private final int inMemory;
    private final long expected;
    private final SpillDirectory spill;
    private long[] slots = new long[2 * 1024];
    private int size;
    private final List<Run> runs = new ArrayList<>();
    private long[] bloom;
    private long spilledIds;

    /**
     * @param inMemory identities held before spilling (at least 1)
     * @param expected about how many there will be at most (the Bronze rows read): sizes the Bloom filter
     * @param spill    where runs go, created on the first spill
     */
    BackfillIdentities(int inMemory, long expected, SpillDirectory spill) {
        if (inMemory < 1) {
            throw new IllegalArgumentException("identities in memory must be at least 1, not " + inMemory);
        }
        this.inMemory = Math.min(inMemory, MAX_IN_MEMORY);
        this.expected = Math.max(expected, 1);
        this.spill = spill;
    }

    synchronized boolean contains(byte[] identity) {
        long hi = hi(identity);
        long lo = lo(identity);
        return inMemory(hi, lo) || spilled(hi, lo);
    }

    /** @return false when it was there already */
    synchronized boolean add(byte[] identity) {
        return add(hi(identity), lo(identity));
    }

    private boolean add(long hi, long lo) {
        if (spilled(hi, lo)) {
            return false;
        }
        if ((size + 1) * 2L > slots.length / 2) {
            grow();
        }
        int mask = slots.length / 2 - 1;
        for (int i = (int) lo & mask; ; i = (i + 1) & mask) {
            long h = slots[2 * i];
            long l = slots[2 * i + 1];
            if (h == 0 && l == 0) {
                slots[2 * i] = hi;
                slots[2 * i + 1] = lo;
                size++;
                if (size >= inMemory) {
                    spillTable();
                }
                return true;
            }
            if (h == hi && l == lo) {
                return false;
            }
        }
    }

    private boolean inMemory(long hi, long lo) {
        int mask = slots.length / 2 - 1;
        for (int i = (int) lo & mask; ; i = (i + 1) & mask) {
            long h = slots[2 * i];
            long l = slots[2 * i + 1];
            if (h == 0 && l == 0) {
                return false;
            }
            if (h == hi && l == lo) {
                return true;
            }
        }
    }

    private boolean spilled(long hi, long lo) {
        if (runs.isEmpty() || !bloomHas(hi, lo)) {
            return false;
        }
        for (int r = runs.size() - 1; r >= 0; r--) {
            if (runs.get(r).contains(hi, lo)) {
                return true;
            }
        }
        return false;
    }

    synchronized long size() {
        return size + spilledIds;
    }

    /** Tables written to disk so far. */
    synchronized int runs() {
        return runs.size();
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int mask = slots.length / 2 - 1;
        for (int j = 0; j < old.length; j += 2) {
            long hi = old[j];
            long lo = old[j + 1];
            if (hi != 0 || lo != 0) {
                int i = (int) lo & mask;
                while (slots[2 * i] != 0 || slots[2 * i + 1] != 0) {
                    i = (i + 1) & mask;
                }
                slots[2 * i] = hi;
                slots[2 * i + 1] = lo;
            }
        }
    }

    /** The full table to a run file, its identities into the Bloom filter; the table empty again (same capacity). */
    private void spillTable() {
        if (bloom == null) {
            long bits = Math.max(512, Long.highestOneBit(Math.max(1, expected * BLOOM_BITS_PER_ID - 1)) << 1);
            bloom = new long[(int) Math.min(bits / 64, 1L << 30)];
        }
        Path file = spill.newFile("identities");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (int j = 0; j < slots.length; j += 2) {
                if (slots[j] != 0 || slots[j + 1] != 0) {
                    bloomAdd(slots[j], slots[j + 1]);
                }
                buf.putLong(slots[j]).putLong(slots[j + 1]);
                if (!buf.hasRemaining()) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    buf.clear();
                }
            }
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            runs.add(new Run(ch.map(FileChannel.MapMode.READ_ONLY, 0, 8L * slots.length), slots.length / 2 - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill backfill identities to " + file, e);
        }
        spilledIds += size;
        Arrays.fill(slots, 0);
        size = 0;
    }

    private void bloomAdd(long hi, long lo) {
        int base = block(hi);
        for (int p = 0; p < BLOOM_PROBES; p++) {
            int bit = (int) (lo >>> (9 * p)) & 511;
            bloom[base + (bit >>> 6)] |= 1L << bit;
        }
    }

    private boolean bloomHas(long hi, long lo) {
        int base = block(hi);
        for (int p = 0; p < BLOOM_PROBES; p++) {
            int bit = (int) (lo >>> (9 * p)) & 511;
            if ((bloom[base + (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** The block's first long: the HMAC's high half picks it (its low half picks the bits). */
    private int block(long hi) {
        int blocks = bloom.length / 8;
        return (int) ((hi ^ (hi >>> 32)) & (blocks - 1)) * 8;
    }

    /** The runs' files go (the mappings with them when collected). */
    @Override
    public synchronized void close() {
        runs.clear();
        bloom = null;
    }

    static void write(DataOutputStream out, long[] pairs, int count) throws IOException {
        out.writeInt(count);
        for (int i = 0; i < 2 * count; i++) {
            out.writeLong(pairs[i]);
        }
    }

    synchronized void readInto(DataInputStream in) throws IOException {
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            add(in.readLong(), in.readLong());
        }
    }

    /** A spilled table, probed as the table in memory is. */
    private record Run(MappedByteBuffer table, int mask) {
        boolean contains(long hi, long lo) {
            for (int i = (int) lo & mask; ; i = (i + 1) & mask) {
                long h = table.getLong(16 * i);
                long l = table.getLong(16 * i + 8);
                if (h == 0 && l == 0) {
                    return false;
                }
                if (h == hi && l == lo) {
                    return true;
                }
            }
        }
    }

    /** A growable list of identities: what one chunk passed, saved with it. */
    static final class Chunk {
        private long[] pairs = new long[256];
        private int count;

        void add(byte[] identity) {
            if (2 * count + 2 > pairs.length) {
                pairs = Arrays.copyOf(pairs, pairs.length * 2);
            }
            pairs[2 * count] = hi(identity);
            pairs[2 * count + 1] = lo(identity);
            count++;
        }

        /** Another worker's identities of the same chunk. */
        void addAll(Chunk other) {
            if (2 * (count + other.count) > pairs.length) {
                pairs = Arrays.copyOf(pairs, Math.max(pairs.length * 2, 2 * (count + other.count)));
            }
            System.arraycopy(other.pairs, 0, pairs, 2 * count, 2 * other.count);
            count += other.count;
        }

        void write(DataOutputStream out) throws IOException {
            BackfillIdentities.write(out, pairs, count);
        }
    }

    private static long hi(byte[] id) {
        return ByteBuffer.wrap(id, 0, 8).getLong();
    }

    /** The low half; never 0 (with a high half of 0 that would be an empty slot): an HMAC's is 0 once in 2^64. */
    private static long lo(byte[] id) {
        long lo = id.length >= 16 ? ByteBuffer.wrap(id, 8, 8).getLong() : Arrays.hashCode(id);
        return lo == 0 ? 1 : lo;
    }
}
