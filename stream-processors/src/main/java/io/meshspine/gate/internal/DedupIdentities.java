package io.meshspine.gate.internal;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a stream task remembers for deduplication, for the dedup window: the identities of the records it let through
 * and of the records it dead-lettered. Both kinds live in the task's one dedup store (so in the same transaction as
 * the product and DLQ records they cover), told apart by their keys' prefix.
 *
 * <p>Why dead letters too: a source re-delivers after a crash (CDC, file lane) or a producer re-sends after a timeout,
 * and a re-delivered bad record is the same bad record. Remembered only when passed, it became a second dead letter
 * that a steward would repair and replay twice. Which lookups apply to which record (a steward's replay is never a
 * duplicate of its own dead letter) is the gate's decision, not this class's.
 */
public final class DedupIdentities {

    /** The dead-lettered identities' key prefix; the passed ones keep the unprefixed keys the store always had. */
    private static final byte[] DEAD_LETTERED = "d".getBytes(StandardCharsets.US_ASCII);

    private final KeyValueStore<Bytes, byte[]> store;
    private final WindowedIdentities passed;
    private final WindowedIdentities deadLettered;

    public DedupIdentities(KeyValueStore<Bytes, byte[]> store, Duration window, int slicesPerWindow) {
        this.store = store;
        this.passed = new WindowedIdentities(store, new byte[0], window, slicesPerWindow);
        this.deadLettered = new WindowedIdentities(store, DEAD_LETTERED, window, slicesPerWindow);
    }

    /** Reads both kinds back from the store in one pass, dropping what expired meanwhile. */
    public void restore(long now) {
        List<Bytes> expired = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<Bytes, byte[]> entry = all.next();
                byte[] key = entry.key.get();
                if (passed.owns(key)) {
                    passed.restore(entry, now, expired);
                } else if (deadLettered.owns(key)) {
                    deadLettered.restore(entry, now, expired);
                }
            }
        }
        expired.forEach(store::delete);
    }

    public boolean passed(byte[] id, long now) {
        return passed.contains(id, now);
    }

    public boolean deadLettered(byte[] id, long now) {
        return deadLettered.contains(id, now);
    }

    public void addPassed(byte[] id, long now) {
        passed.add(id, now);
    }

    public void addDeadLettered(byte[] id, long now) {
        deadLettered.add(id, now);
    }

    /** Puts what both kinds buffered into the store: before each commit of the task (see {@link PreCommitStore}). */
    public void writeBatches() {
        passed.writeBatches();
        deadLettered.writeBatches();
    }

    public void expire(long now) {
        passed.expire(now);
        deadLettered.expire(now);
    }

    /** Passed identities remembered (a gauge: about 32 bytes of heap each). */
    public int passedSize() {
        return passed.size();
    }

    /** Dead-lettered identities remembered. */
    public int deadLetteredSize() {
        return deadLettered.size();
    }
}
