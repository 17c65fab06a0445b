package io.meshspine.gate.internal;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The outermost layer of a key-value store that runs its owner's hooks just before each commit of its task, so a
 * processor can write what it buffered during the batch (the dedup identities) and wait for what its records depend on
 * (the data keys dead letters are sealed under) once per commit instead of once per record.
 *
 * <p>Why this is safe under exactly-once: Kafka Streams (4.1) prepares a task's commit by flushing its stores' caches
 * ({@code ProcessorStateManager.flushCache()}, which reaches {@link #flushCache()} here first), then flushes the
 * producer, then commits the transaction. What a hook puts into the store goes through the cache below into the
 * changelog inside the same transaction as the records it covers; a hook that throws fails the commit, so the
 * transaction aborts with the records. A task closed dirty loses what was buffered together with its uncommitted
 * records. ({@code flush()} itself runs after the commit, when the checkpoint is written: too late for this.)
 *
 * <p>It extends Kafka's {@link WrappedStateStore} (an internal class, as every layer of a built store is one) so the
 * layers below keep working (timestamped and cached-store checks walk the wrapped chain) and so {@link #of} can find it
 * behind the read-write decorator a processor context hands out.
 */
public final class PreCommitStore extends WrappedStateStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]>
        implements KeyValueStore<Bytes, byte[]> {

    private final List<Runnable> beforeCommit = new ArrayList<>();

    PreCommitStore(KeyValueStore<Bytes, byte[]> inner) {
        super(inner);
    }

    /** The builder's store with this layer around it. */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> around(StoreBuilder<KeyValueStore<Bytes, byte[]>> inner) {
        return new Builder(inner);
    }

    /** This layer of a store as a processor context returns it (behind Kafka's decorator); fails when it has none. */
    public static PreCommitStore of(StateStore store) {
        StateStore s = store;
        while (true) {
            if (s instanceof PreCommitStore p) {
                return p;
            }
            if (!(s instanceof WrappedStateStore<?, ?, ?> w)) {
                throw new IllegalStateException("store " + store.name() + " was not built with PreCommitStore.around(...)");
            }
            s = w.wrapped();
        }
    }

    /** Runs {@code hook} before each commit of the task, in the order registered; its exception fails the commit. */
    public void beforeEachCommit(Runnable hook) {
        beforeCommit.add(hook);
    }

    @Override
    public void flushCache() {
        beforeCommit.forEach(Runnable::run);
        super.flushCache();
    }

    @Override
    public void put(Bytes key, byte[] value) {
        wrapped().put(key, value);
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        wrapped().putAll(entries);
    }

    @Override
    public byte[] delete(Bytes key) {
        return wrapped().delete(key);
    }

    @Override
    public byte[] get(Bytes key) {
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    private record Builder(StoreBuilder<KeyValueStore<Bytes, byte[]>> inner) implements StoreBuilder<KeyValueStore<Bytes, byte[]>> {
        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingEnabled() {
            return new Builder(inner.withCachingEnabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingDisabled() {
            return new Builder(inner.withCachingDisabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingEnabled(Map<String, String> config) {
            return new Builder(inner.withLoggingEnabled(config));
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingDisabled() {
            return new Builder(inner.withLoggingDisabled());
        }

        @Override
        public KeyValueStore<Bytes, byte[]> build() {
            return new PreCommitStore(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
