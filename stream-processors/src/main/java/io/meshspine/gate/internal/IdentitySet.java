package io.meshspine.gate.internal;

/**
 * A set of 16-byte identities in one primitive array (open addressing, linear probing): about 27 bytes an identity at
 * the worst load, no object per entry, so millions of remembered identities cost the heap little and a lookup is a
 * probe or two. A slot's two halves sit side by side, so a probe touches one cache line (with a separate "used" array
 * and one array per half it touched three: the sets outgrow the caches, and those misses were most of a lookup). An
 * empty slot is all zeros; the one identity that is all zeros is kept aside. Not thread-safe: each stream task owns its
 * own.
 */
final class IdentitySet {

    private static final float MAX_LOAD = 0.6f;

    /** Slot i is {@code slots[2i]} (the high half) and {@code slots[2i + 1]} (the low half); both zero: empty. */
    private long[] slots;
    private boolean hasZero;
    private int size;

    IdentitySet() {
        this(1024);
    }

    IdentitySet(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, (int) (expected / MAX_LOAD)) - 1) << 1;
        slots = new long[capacity * 2];
    }

    int size() {
        return size;
    }

    boolean contains(long hi, long lo) {
        if (hi == 0 && lo == 0) {
            return hasZero;
        }
        long[] s = slots;
        int mask = (s.length >>> 1) - 1;
        for (int i = slot(hi, lo, mask); ; i = (i + 1) & mask) {
            long h = s[2 * i];
            long l = s[2 * i + 1];
            if (h == hi && l == lo) {
                return true;
            }
            if (h == 0 && l == 0) {
                return false;
            }
        }
    }

    boolean add(long hi, long lo) {
        if (hi == 0 && lo == 0) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        if (size + 1 > (slots.length >>> 1) * MAX_LOAD) {
            grow();
        }
        if (!put(slots, hi, lo)) {
            return false;
        }
        size++;
        return true;
    }

    /** Puts a non-zero identity into {@code s}; false if it is there already. */
    private static boolean put(long[] s, long hi, long lo) {
        int mask = (s.length >>> 1) - 1;
        for (int i = slot(hi, lo, mask); ; i = (i + 1) & mask) {
            long h = s[2 * i];
            long l = s[2 * i + 1];
            if (h == hi && l == lo) {
                return false;
            }
            if (h == 0 && l == 0) {
                s[2 * i] = hi;
                s[2 * i + 1] = lo;
                return true;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        long[] bigger = new long[old.length * 2];
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != 0 || old[i + 1] != 0) {
                put(bigger, old[i], old[i + 1]);
            }
        }
        slots = bigger;
    }

    private static int slot(long hi, long lo, int mask) {
        return (int) (lo ^ (hi >>> 32)) & mask;
    }
}
