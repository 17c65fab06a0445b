package io.meshspine.gate.internal;

import org.apache.avro.util.Utf8;

import java.util.Arrays;

/**
 * A bounded map from a value's bytes to its hash, two-way set associative: a value lives in one of two slots of its
 * set, and a new value replaces the one of the pair used less recently. No allocation on a hit, a fixed size
 * whatever the traffic, no locking (one per thread). Not a record of what passed: a miss is only a recomputation.
 */
final class HashCache {

    private final byte[][] keys;
    private final Utf8[] values;
    /** Per set: which of its two slots was used last. */
    private final boolean[] secondUsedLast;
    private final int setMask;

    /** @param capacity entries, rounded up to a power of two */
    HashCache(int capacity) {
        int entries = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
        int sets = entries / 2;
        this.keys = new byte[entries][];
        this.values = new Utf8[entries];
        this.secondUsedLast = new boolean[sets];
        this.setMask = sets - 1;
    }

    Utf8 get(byte[] bytes, int length) {
        int set = set(bytes, length);
        int slot = set << 1;
        if (matches(keys[slot], bytes, length)) {
            secondUsedLast[set] = false;
            return values[slot];
        }
        if (matches(keys[slot + 1], bytes, length)) {
            secondUsedLast[set] = true;
            return values[slot + 1];
        }
        return null;
    }

    void put(byte[] bytes, int length, Utf8 value) {
        int set = set(bytes, length);
        int slot = (set << 1) + (secondUsedLast[set] ? 0 : 1);
        keys[slot] = Arrays.copyOf(bytes, length);
        values[slot] = value;
        secondUsedLast[set] = (slot & 1) == 1;
    }

    private int set(byte[] bytes, int length) {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + bytes[i];
        }
        return (h ^ (h >>> 16)) & setMask;
    }

    private static boolean matches(byte[] key, byte[] bytes, int length) {
        return key != null && key.length == length && Arrays.equals(key, 0, length, bytes, 0, length);
    }
}
