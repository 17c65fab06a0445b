package io.meshspine.sink.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The identities (the gate's 16-byte dedup HMACs) of the records a backfill let through, so a record Bronze holds
 * twice passes once, as it did at the gate. Open addressing over two longs per identity: about 32 bytes each at the
 * load factor, so ten million records fit in about 320 MB. Saved with each committed chunk, so a resumed run still
 * drops the duplicates of records an earlier chunk passed. Shared by the backfill's workers: each call holds the
 * instance's lock (one short probe; the decisions around it take far longer).
 */
final class BackfillIdentities {

    private long[] slots = new long[2 * 1024];
    private int size;

    synchronized boolean contains(byte[] identity) {
        long hi = hi(identity);
        long lo = lo(identity);
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

    /** @return false when it was there already */
    synchronized boolean add(byte[] identity) {
        return add(hi(identity), lo(identity));
    }

    private boolean add(long hi, long lo) {
        if (hi == 0 && lo == 0) {
            lo = 1; // the empty slot's value; an HMAC of all zeros is not going to happen, and colliding with 1 is harmless
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
                return true;
            }
            if (h == hi && l == lo) {
                return false;
            }
        }
    }

    synchronized int size() {
        return size;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != 0 || old[i + 1] != 0) {
                add(old[i], old[i + 1]);
            }
        }
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

    private static long lo(byte[] id) {
        return id.length >= 16 ? ByteBuffer.wrap(id, 8, 8).getLong() : Arrays.hashCode(id);
    }
}
