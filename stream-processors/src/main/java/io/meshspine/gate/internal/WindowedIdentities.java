package io.meshspine.gate.internal;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One kind of identity a stream task remembers (see {@link DedupIdentities}: the records it let through, the records
 * it dead-lettered), for the dedup window on the gate's own clock (never the records' timestamps, which may be years
 * old, ahead, or absent).
 *
 * <p>Lookups are answered from memory: one {@link IdentitySet} per time slice of the window. Durability comes from
 * a key-value store with caching and a changelog: identities are appended to small batches (a store key per
 * {@value #BATCH} identities, {@code [prefix][slice start][sequence]}), held in memory during a batch of records and
 * put into the store by {@link #writeBatches()} just before each commit (the owner registers it with
 * {@link PreCommitStore}), so the changelog carries about one record per commit and batch instead of one per record,
 * always within the same transaction as the records it covers, and a record costs no store put. After a restart or rebalance the store
 * (restored from its changelog) is read back into memory; whole slices expire at once. Several kinds share one store,
 * told apart by the key's prefix (the passed identities have none: their keys are those of the store before there
 * were other kinds, so a gate's existing store reads back unchanged).
 */
public final class WindowedIdentities {

    /** Identities per store entry: a put copies at most this many, and the changelog gets one record per batch. */
    static final int BATCH = 32;
    private static final int ID_BYTES = 16;

    private final KeyValueStore<Bytes, byte[]> store;
    private final byte[] prefix;
    private final long windowMillis;
    private final long sliceMillis;
    private final TreeMap<Long, IdentitySet> slices = new TreeMap<>();
    private final Map<Long, Long> nextSequence = new TreeMap<>();
    /** The slice {@link #slice} found last (null after any change of the slices), and its start. */
    private IdentitySet lastSlice;
    private long lastSliceStart;
    /** The slices oldest first, as arrays: the lookup on every record walks these, not the map. */
    private IdentitySet[] live = new IdentitySet[0];
    private long[] liveStarts = new long[0];
    private long batchSlice = Long.MIN_VALUE;
    private long batchSequence;
    private byte[] batch = new byte[BATCH * ID_BYTES];
    private int batchCount;
    /** How many identities of the open batch the store holds already. */
    private int writtenCount;
    /** Batches closed (full, or of an earlier slice) since the last {@link #writeBatches()}. */
    private final List<KeyValue<Bytes, byte[]>> unwritten = new ArrayList<>();
    private int size;

    /** The identities alone in their store, or the kind without a key prefix in a shared one. */
    public WindowedIdentities(KeyValueStore<Bytes, byte[]> store, Duration window, int slicesPerWindow) {
        this(store, new byte[0], window, slicesPerWindow);
    }

    /** @param prefix what starts this kind's store keys, unique among the kinds sharing the store */
    WindowedIdentities(KeyValueStore<Bytes, byte[]> store, byte[] prefix, Duration window, int slicesPerWindow) {
        this.store = store;
        this.prefix = prefix.clone();
        this.windowMillis = window.toMillis();
        this.sliceMillis = Math.max(1, windowMillis / slicesPerWindow);
    }

    /** Reads what the store holds of this kind back into memory, dropping what expired meanwhile. */
    public void restore(long now) {
        List<Bytes> expired = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<Bytes, byte[]> entry = all.next();
                if (owns(entry.key.get())) {
                    restore(entry, now, expired);
                }
            }
        }
        expired.forEach(store::delete);
    }

    /** Whether a store key is one of this kind's batch keys. */
    boolean owns(byte[] key) {
        return key.length == prefix.length + 16 && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Reads one of this kind's store entries back into memory, or notes it for deletion when it expired. */
    void restore(KeyValue<Bytes, byte[]> entry, long now, List<Bytes> expired) {
        ByteBuffer key = ByteBuffer.wrap(entry.key.get(), prefix.length, 16);
        long slice = key.getLong();
        long sequence = key.getLong();
        if (expired(slice, now)) {
            expired.add(entry.key);
            return;
        }
        nextSequence.merge(slice, sequence + 1, Math::max);
        IdentitySet set = slice(slice);
        ByteBuffer ids = ByteBuffer.wrap(entry.value);
        while (ids.remaining() >= ID_BYTES) {
            if (set.add(ids.getLong(), ids.getLong())) {
                size++;
            }
        }
    }

    public boolean contains(byte[] id, long now) {
        long hi = ByteBuffer.wrap(id).getLong(0);
        long lo = ByteBuffer.wrap(id).getLong(8);
        for (int i = live.length - 1; i >= 0; i--) {
            if (expired(liveStarts[i], now)) {
                return false;
            }
            if (live[i].contains(hi, lo)) {
                return true;
            }
        }
        return false;
    }

    public void add(byte[] id, long now) {
        long slice = now - Math.floorMod(now, sliceMillis);
        IdentitySet set = slice(slice);
        if (!set.add(ByteBuffer.wrap(id).getLong(0), ByteBuffer.wrap(id).getLong(8))) {
            return;
        }
        size++;
        if (slice != batchSlice || batchCount == BATCH) {
            // The open batch is closed: kept as it is until the commit writes it (unless written already as it is).
            if (batchCount > writtenCount) {
                unwritten.add(new KeyValue<>(batchKey(batchSlice, batchSequence), Arrays.copyOf(batch, batchCount * ID_BYTES)));
            }
            batchSlice = slice;
            batchSequence = nextSequence.merge(slice, 1L, Long::sum) - 1;
            batchCount = 0;
            writtenCount = 0;
        }
        System.arraycopy(id, 0, batch, batchCount * ID_BYTES, ID_BYTES);
        batchCount++;
    }

    /**
     * Puts the batches changed since the last call into the store: called before each commit of the task (see
     * {@link PreCommitStore}), so the changelog gets each batch once per commit, within the transaction of the records
     * it covers. Lookups never need this: they are answered from memory.
     */
    public void writeBatches() {
        for (KeyValue<Bytes, byte[]> full : unwritten) {
            store.put(full.key, full.value);
        }
        unwritten.clear();
        if (batchCount > writtenCount) {
            store.put(batchKey(batchSlice, batchSequence), Arrays.copyOf(batch, batchCount * ID_BYTES));
            writtenCount = batchCount;
        }
    }

    private IdentitySet slice(long start) {
        // Every record of a slice's span lands in the same slice: the last one found answers without a map lookup.
        if (start == lastSliceStart && lastSlice != null) {
            return lastSlice;
        }
        IdentitySet set = slices.get(start);
        if (set == null) {
            set = new IdentitySet();
            slices.put(start, set);
            refreshLive();
        }
        lastSliceStart = start;
        lastSlice = set;
        return set;
    }

    private void refreshLive() {
        lastSlice = null;
        live = slices.values().toArray(IdentitySet[]::new);
        liveStarts = slices.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    /** Forgets every slice that ended before the window: from memory at once, from the store by its batch keys. */
    public void expire(long now) {
        // Written first, so a batch of an expiring slice cannot reach the store after its slice's keys are deleted.
        writeBatches();
        Iterator<Map.Entry<Long, IdentitySet>> it = slices.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, IdentitySet> slice = it.next();
            if (!expired(slice.getKey(), now)) {
                break;
            }
            size -= slice.getValue().size();
            it.remove();
            long sequences = nextSequence.getOrDefault(slice.getKey(), 0L);
            nextSequence.remove(slice.getKey());
            for (long s = 0; s < sequences; s++) {
                store.delete(batchKey(slice.getKey(), s));
            }
        }
        refreshLive();
    }

    /** How many identities are remembered (a gauge: about 32 bytes of heap each). */
    public int size() {
        return size;
    }

    private boolean expired(long sliceStart, long now) {
        return sliceStart + sliceMillis <= now - windowMillis;
    }

    private Bytes batchKey(long slice, long sequence) {
        return Bytes.wrap(ByteBuffer.allocate(prefix.length + 16).put(prefix).putLong(slice).putLong(sequence).array());
    }
}
