package io.meshspine.gate.internal;

/**
 * A set of 16-byte identities in two primitive arrays (open addressing, linear probing): about 32 bytes an identity
 * at the worst load, no object per entry, so millions of remembered identities cost the heap little and a lookup is a
 * probe or two. Not thread-safe: each stream task owns its own.
 */
final class IdentitySet {

    private static final float MAX_LOAD = 0.6f;

    private long[] high;
    private long[] low;
    private boolean[] used;
    private int size;

    IdentitySet() {
        this(1024);
    }

    IdentitySet(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, (int) (expected / MAX_LOAD)) - 1) << 1;
        high = new long[capacity];
        low = new long[capacity];
        used = new boolean[capacity];
    }

    int size() {
        return size;
    }

    boolean contains(long hi, long lo) {
        int mask = used.length - 1;
        for (int i = slot(hi, lo, mask); used[i]; i = (i + 1) & mask) {
            if (high[i] == hi && low[i] == lo) {
                return true;
            }
        }
        return false;
    }

    /** @return false when it was there already */
    boolean add(long hi, long lo) {
        if (size + 1 > used.length * MAX_LOAD) {
            grow();
        }
        int mask = used.length - 1;
        int i = slot(hi, lo, mask);
        while (used[i]) {
            if (high[i] == hi && low[i] == lo) {
                return false;
            }
            i = (i + 1) & mask;
        }
        used[i] = true;
        high[i] = hi;
        low[i] = lo;
        size++;
        return true;
    }

    private void grow() {
        long[] oldHigh = high;
        long[] oldLow = low;
        boolean[] oldUsed = used;
        high = new long[oldUsed.length * 2];
        low = new long[oldUsed.length * 2];
        used = new boolean[oldUsed.length * 2];
        size = 0;
        for (int i = 0; i < oldUsed.length; i++) {
            if (oldUsed[i]) {
                add(oldHigh[i], oldLow[i]);
            }
        }
    }

    /** The identities are HMAC outputs, uniformly distributed already: their low bits are a good slot. */
    private static int slot(long hi, long lo, int mask) {
        return (int) (lo ^ (hi >>> 32)) & mask;
    }
}
