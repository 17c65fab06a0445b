package io.meshspine.core.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data keys, kept wrapped in the compacted key topic and cached unwrapped in memory. Every writer (each gate and
 * sink instance) reads the whole topic at start and catches up at most {@link #REFRESH} later when it needs a key, so it
 * sees keys others created and erasures others ran. A writer that finds no key for a scope creates one and sends it to
 * the topic without waiting; whoever stores values encrypted under new keys calls {@link #awaitDurable()} before the
 * values become durable themselves (the sink: before each Delta commit), so no stored ciphertext names a key the topic
 * lost, while a batch with thousands of first-seen subjects does not wait for thousands of round trips. Two writers
 * creating a key for one scope at once create two keys, and both survive because records are keyed by scope and key
 * id. Thread-safe: one lock for everything but the hot path, {@link #keyFor} of a scope whose current key this store
 * already holds while the cache is fresh, which reads a concurrent map and takes no lock (the sink's writer lanes and
 * the gate's stream threads ask once per row).
 */
public final class DataKeyStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataKeyStore.class);

    /** How stale the cache may be before a lookup catches up with the topic (erasures reach running writers this fast). */
    public static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final MasterKeys masters;
    private final SubjectHasher hasher;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final List<TopicPartition> partitions;
    /**
     * Data keys, key ids and wrapping nonces. A Hash_DRBG at 256-bit strength (NIST SP 800-90A), seeded once from the
     * OS: the platform default (NativePRNG) takes a global lock and reads the OS on every draw, and the gate draws
     * for every dead letter of a first-seen subject. Used under the store's lock.
     */
    private final SecureRandom random = drbg();

    /** Last event per record key, as the compacted topic will keep it. */
    private final Map<String, KeyEvent> events = new LinkedHashMap<>();
    /** The live (wrapped) key ids of each scope, oldest first: a scope's keys are found without reading every event. */
    private final Map<String, java.util.LinkedHashSet<String>> liveByScope = new HashMap<>();
    /** Unwrapped live keys, by key id. */
    private final Map<String, DataKey> unwrapped = new HashMap<>();
    /**
     * The key this store encrypts new values of a scope with, by scope HMAC. Written under the lock, read without it
     * by {@link #keyFor} while the cache is fresh.
     */
    private final Map<String, DataKey> current = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * The current key by scope as the writers name it, in front of {@link #current}: a hit saves the scope's HMAC (a
     * SHA-256 HMAC and its hex per row on every writer lane, as much as the row's three seals). An entry holds the
     * {@link #currentRemovals} count it was made under and is used only while that count stands: every removal from
     * {@link #current} (an erasure, a failed key) counts after it removes, so an entry made before sees the new count.
     */
    private final Map<KeyScope, ScopedKey> byScope = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int BY_SCOPE_MAX = 1 << 16;
    private volatile long currentRemovals;

    private record ScopedKey(DataKey key, long removals) {
    }
    /** The record key of each key id's event. */
    private final Map<String, String> recordKeyById = new HashMap<>();
    /** When the cache last caught up with the topic (clock millis); read without the lock by {@link #keyFor}. */
    private volatile long lastCatchUp;
    /** Sends of new keys not yet acknowledged, with the key each one carries. */
    private final List<Map.Entry<DataKey, Future<RecordMetadata>>> pending = new ArrayList<>();
    /**
     * The encoded events this store sent and has not yet read back, by record key: a catch-up that meets one of them
     * byte for byte skips it (it was applied when it was sent) instead of parsing its JSON and unwrapping nothing new.
     */
    private final Map<String, byte[]> sentNotReadBack = new HashMap<>();
    /** AES-GCM under the master key (wrapping and unwrapping data keys); used under the lock only. */
    private final Cipher masterCipher;

    private DataKeyStore(String topic, Map<String, Object> kafkaClient, MasterKeys masters, SubjectHasher hasher, Clock clock) {
        this.topic = topic;
        this.masters = masters;
        this.hasher = hasher;
        this.clock = clock;
        Map<String, Object> c = new HashMap<>(kafkaClient);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Polled only by catch-ups (every REFRESH, and for a key id not seen yet): a fetch left waiting at the broker
        // for the default 500 ms would hold the next catch-up, and the store's lock with it, that long.
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> p = new HashMap<>(kafkaClient);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        try {
            this.masterCipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            close();
            throw new IllegalStateException("AES/GCM is not available in this JVM", e);
        }
        List<PartitionInfo> infos = consumer.partitionsFor(topic, CATCH_UP_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            close();
            throw new IllegalStateException("the key topic " + topic + " does not exist: provision the spine's topics first"
                    + " (a missing key topic is never taken as 'no keys')");
        }
        this.partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Opens the store over {@code topic} (the catalogue's {@code spine.privacy.keys}; tests pass their own) and reads it
     * to its end.
     */
    public static DataKeyStore open(String topic, Map<String, Object> kafkaClient, MasterKeys masters, SubjectHasher hasher) {
        return open(topic, kafkaClient, masters, hasher, Clock.systemUTC());
    }

    /** With a clock of the test's: a fixed clock never refreshes (a writer that has not yet seen the others). */
    static DataKeyStore open(String topic, Map<String, Object> kafkaClient, MasterKeys masters, SubjectHasher hasher, Clock clock) {
        DataKeyStore store = new DataKeyStore(topic, kafkaClient, masters, hasher, clock);
        try {
            store.catchUp();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        LOG.info("key store ready topic={} keys={} master_key={}{}", topic, store.liveKeyCount(), masters.current().id(),
                masters.current().isDemo() ? " (the built-in DEMO master key: set privacy.master-key for real data)" : "");
        return store;
    }

    public SubjectHasher hasher() {
        return hasher;
    }

    public String topic() {
        return topic;
    }

    /** The key new values of a scope are encrypted with: this store's current one, else a live one from the topic, else a new one. */
    public DataKey keyFor(KeyScope scope) {
        long removals = currentRemovals;
        boolean fresh = !stale();
        if (fresh) {
            ScopedKey cached = byScope.get(scope);
            if (cached != null && cached.removals() == removals) {
                return cached.key();
            }
        }
        // The HMAC is per row on the sink's writer lanes: computed before taking the store's lock, not under it.
        String scopeHash = hasher.hash(scope);
        if (fresh) {
            // An erasure applied by a catch-up removes its scope's entry under the lock; a lookup racing it gets the
            // key it would have got a moment earlier under the lock, as before.
            DataKey key = current.get(scopeHash);
            if (key != null) {
                remember(scope, key, removals);
                return key;
            }
        }
        DataKey key = keyFor(scopeHash, scope.domain());
        remember(scope, key, removals);
        return key;
    }

    private void remember(KeyScope scope, DataKey key, long removals) {
        if (byScope.size() >= BY_SCOPE_MAX) {
            byScope.clear();
        }
        byScope.put(scope, new ScopedKey(key, removals));
    }

    /** After every removal from {@link #current}: entries of {@link #byScope} made before it are no longer used. */
    private void countCurrentRemoval() {
        currentRemovals++;
    }

    private synchronized DataKey keyFor(String scopeHash, String domain) {
        refreshIfStale();
        DataKey known = current.get(scopeHash);
        if (known != null) {
            return known;
        }
        java.util.LinkedHashSet<String> live = liveByScope.get(scopeHash);
        if (live != null && !live.isEmpty()) {
            DataKey key = unwrap(live.iterator().next());
            current.put(scopeHash, key);
            return key;
        }
        return create(scopeHash, domain);
    }

    /**
     * The key a ciphertext names: {@code Optional.empty()} when an erasure destroyed it; throws
     * {@link KeyStoreLostException} when the topic never held it (after catching up, so a key another writer created a
     * moment ago is found).
     */
    public synchronized Lookup lookup(String keyId) {
        refreshIfStale();
        Lookup found = find(keyId);
        if (found == null) {
            catchUp();
            found = find(keyId);
        }
        if (found == null) {
            throw new KeyStoreLostException(keyId, topic);
        }
        return found;
    }

    /** A key id's state in the topic. */
    public sealed interface Lookup {
        record Live(DataKey key) implements Lookup {
        }

        record Destroyed(String erasureId) implements Lookup {
        }
    }

    private Lookup find(String keyId) {
        DataKey key = unwrapped.get(keyId);
        if (key != null) {
            return new Lookup.Live(key);
        }
        KeyEvent e = eventOf(keyId);
        if (e instanceof KeyEvent.Wrapped) {
            return new Lookup.Live(unwrap(keyId));
        }
        if (e instanceof KeyEvent.Destroyed d) {
            return new Lookup.Destroyed(d.erasureId());
        }
        return null;
    }

    /** The live key ids of a scope, oldest first. */
    public synchronized List<String> liveKeyIds(String scopeHash) {
        java.util.LinkedHashSet<String> live = liveByScope.get(scopeHash);
        return live == null ? List.of() : List.copyOf(live);
    }

    /** Records an event under its record key, keeping {@link #liveByScope} in step. */
    private void putEvent(KeyEvent e) {
        KeyEvent old = events.put(e.recordKey(), e);
        if (old instanceof KeyEvent.Wrapped was && e instanceof KeyEvent.Wrapped now && was.keyId().equals(now.keyId())
                && was.scopeHash().equals(now.scopeHash())) {
            return;
        }
        unindex(old);
        if (e instanceof KeyEvent.Wrapped w) {
            liveByScope.computeIfAbsent(w.scopeHash(), h -> new java.util.LinkedHashSet<>()).add(w.keyId());
        }
    }

    private void removeEvent(String recordKey) {
        unindex(events.remove(recordKey));
    }

    private void unindex(KeyEvent old) {
        if (old instanceof KeyEvent.Wrapped w) {
            java.util.LinkedHashSet<String> live = liveByScope.get(w.scopeHash());
            if (live != null && live.remove(w.keyId()) && live.isEmpty()) {
                liveByScope.remove(w.scopeHash());
            }
        }
    }

    /** The last erasure of a scope, if any. */
    public synchronized Optional<KeyEvent.Erasure> erasure(String scopeHash) {
        return Optional.ofNullable(events.get(scopeHash + "/erasure")).map(KeyEvent.Erasure.class::cast);
    }

    /**
     * Destroys every live key of a scope (they are replaced in the topic by {@link KeyEvent.Destroyed} records, and an
     * {@link KeyEvent.Erasure} marker is written) and returns the destroyed key ids; none when the scope has no live key
     * (erasing twice is a no-op). Every writer stops using the keys within {@link #REFRESH}.
     */
    public synchronized List<String> destroy(KeyScope scope, String erasureId) {
        catchUp();
        String scopeHash = hasher.hash(scope);
        List<String> ids = liveKeyIds(scopeHash);
        if (ids.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        List<KeyEvent> written = new ArrayList<>();
        for (String id : ids) {
            written.add(new KeyEvent.Destroyed(scopeHash, scope.domain(), id, erasureId, now));
        }
        written.add(new KeyEvent.Erasure(scopeHash, scope.domain(), erasureId, ids, now));
        write(written);
        ids.forEach(unwrapped::remove);
        current.remove(scopeHash);
        countCurrentRemoval();
        LOG.info("data keys destroyed domain={} scope={} keys={} erasure={}", scope.domain(), scopeHash, ids.size(), erasureId);
        return ids;
    }

    /**
     * Re-wraps every live data key not wrapped by the current master key (a master key rotation: the previous key stays
     * in {@code privacy.previous-master-keys} until this returns). Data is not touched. Returns how many were re-wrapped.
     */
    public synchronized int rewrap() {
        catchUp();
        List<KeyEvent> rewrapped = new ArrayList<>();
        for (KeyEvent e : events.values()) {
            if (e instanceof KeyEvent.Wrapped w && !w.masterKeyId().equals(masters.current().id())) {
                byte[] raw = unwrapBytes(w);
                rewrapped.add(new KeyEvent.Wrapped(w.scopeHash(), w.domain(), w.keyId(), masters.current().id(),
                        wrap(masters.current(), w.keyId(), w.scopeHash(), raw), w.createdAt()));
            }
        }
        write(rewrapped);
        LOG.info("data keys re-wrapped count={} master_key={}", rewrapped.size(), masters.current().id());
        return rewrapped.size();
    }

    /** Live keys by the master key id that wraps them (rotation progress). */
    public synchronized Map<String, Integer> liveKeysByMasterKey() {
        Map<String, Integer> counts = new HashMap<>();
        for (KeyEvent e : events.values()) {
            if (e instanceof KeyEvent.Wrapped w) {
                counts.merge(w.masterKeyId(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private int liveKeyCount() {
        return (int) events.values().stream().filter(KeyEvent.Wrapped.class::isInstance).count();
    }

    private DataKey create(String scopeHash, String domain) {
        // one draw: the key's 32 bytes, then its id's 16
        byte[] drawn = new byte[32 + Ciphertext.KEY_ID_BYTES];
        random.nextBytes(drawn);
        byte[] raw = java.util.Arrays.copyOf(drawn, 32);
        String keyId = HexFormat.of().formatHex(drawn, 32, drawn.length);
        java.util.Arrays.fill(drawn, (byte) 0);
        KeyEvent.Wrapped w = new KeyEvent.Wrapped(scopeHash, domain, keyId, masters.current().id(),
                wrap(masters.current(), keyId, scopeHash, raw), clock.instant());
        DataKey key = new DataKey(keyId, scopeHash, domain, new SecretKeySpec(raw, "AES"));
        byte[] encoded = KeyEvent.encode(w);
        pending.add(Map.entry(key, producer.send(new ProducerRecord<>(topic, w.recordKey(), encoded))));
        sentNotReadBack.put(w.recordKey(), encoded);
        apply(w);
        unwrapped.put(keyId, key);
        current.put(scopeHash, key);
        return key;
    }

    /**
     * Waits until every key this store created is in the topic. Values encrypted under a key must not be stored
     * durably before this returns; when a send failed, the keys that did not make it are forgotten (the caller's
     * batch is retried and gets new keys) and this throws.
     *
     * <p>A key stays pending until a wait has seen its send end, so callers on other threads (the gate's stream
     * threads, the sink's lanes) that may have sealed under it each wait for it too, instead of returning at once
     * because another thread took the pending list.
     */
    public void awaitDurable() {
        List<Map.Entry<DataKey, Future<RecordMetadata>>> waiting;
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            waiting = new ArrayList<>(pending);
        }
        RuntimeException failure = null;
        for (Map.Entry<DataKey, Future<RecordMetadata>> e : waiting) {
            try {
                e.getValue().get();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("interrupted while writing data keys to " + topic, ie);
            } catch (ExecutionException ee) {
                failure = new IllegalStateException("a new data key could not be written to " + topic + ": " + ee.getCause().getMessage(), ee.getCause());
                forget(e.getKey());
            }
        }
        waiting.removeIf(e -> !e.getValue().isDone());
        // By identity, in one pass: a batch with thousands of first-seen subjects has thousands pending, and a
        // removeAll of a list from a list is quadratic (it held this lock, and so every writer lane, for seconds).
        java.util.Set<Map.Entry<DataKey, Future<RecordMetadata>>> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        done.addAll(waiting);
        synchronized (this) {
            pending.removeIf(done::contains);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private synchronized void forget(DataKey key) {
        unwrapped.remove(key.keyId());
        current.remove(key.scopeHash(), key);
        countCurrentRemoval();
        sentNotReadBack.remove(key.scopeHash() + "/" + key.keyId());
        removeEvent(key.scopeHash() + "/" + key.keyId());
        recordKeyById.remove(key.keyId());
    }

    private void write(List<KeyEvent> written) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (KeyEvent e : written) {
            sends.add(producer.send(new ProducerRecord<>(topic, e.recordKey(), KeyEvent.encode(e))));
        }
        try {
            for (Future<RecordMetadata> f : sends) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to the key topic " + topic, e);
        } catch (ExecutionException e) {
            // transient broker trouble is retried by the producer up to delivery.timeout.ms; what reaches here is not
            throw new IllegalStateException("cannot write to the key topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        for (KeyEvent e : written) {
            apply(e);
        }
    }

    private void refreshIfStale() {
        if (stale()) {
            catchUp();
        }
    }

    private boolean stale() {
        long now = clock.millis();
        long last = lastCatchUp;
        return now - last >= REFRESH.toMillis() || now < last;
    }

    /** Reads the topic up to the end offsets it has now. */
    public synchronized void catchUp() {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, CATCH_UP_TIMEOUT);
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("could not read the key topic " + topic + " to its end within " + CATCH_UP_TIMEOUT);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                byte[] sent = r.value() == null ? null : sentNotReadBack.remove(r.key());
                if (sent != null && java.util.Arrays.equals(sent, r.value())) {
                    continue;
                }
                if (r.value() == null) {
                    removeEvent(r.key());
                } else {
                    apply(KeyEvent.decode(r.key(), r.value()));
                }
            }
        }
        lastCatchUp = clock.millis();
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), CATCH_UP_TIMEOUT) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void apply(KeyEvent e) {
        putEvent(e);
        if (e instanceof KeyEvent.Wrapped w) {
            recordKeyById.put(w.keyId(), w.recordKey());
        } else if (e instanceof KeyEvent.Destroyed d) {
            recordKeyById.put(d.keyId(), d.recordKey());
        }
        if (e instanceof KeyEvent.Destroyed d) {
            unwrapped.remove(d.keyId());
            DataKey now = current.get(d.scopeHash());
            if (now != null && now.keyId().equals(d.keyId())) {
                current.remove(d.scopeHash());
                countCurrentRemoval();
            }
        }
    }

    private DataKey unwrap(String keyId) {
        DataKey key = unwrapped.get(keyId);
        if (key != null) {
            return key;
        }
        if (eventOf(keyId) instanceof KeyEvent.Wrapped w) {
            key = new DataKey(keyId, w.scopeHash(), w.domain(), new SecretKeySpec(unwrapBytes(w), "AES"));
            unwrapped.put(keyId, key);
            return key;
        }
        throw new KeyStoreLostException(keyId, topic);
    }

    private KeyEvent eventOf(String keyId) {
        String recordKey = recordKeyById.get(keyId);
        return recordKey == null ? null : events.get(recordKey);
    }

    private byte[] unwrapBytes(KeyEvent.Wrapped w) {
        MasterKey master = masters.find(w.masterKeyId()).orElseThrow(() -> new IllegalStateException("data key " + w.keyId()
                + " is wrapped by master key " + w.masterKeyId() + ", which is neither privacy.master-key (" + masters.current().id()
                + ") nor one of privacy.previous-master-keys: keep the previous master key until `./spine privacy rotate` re-wrapped every data key"));
        try {
            Cipher c = masterCipher;
            c.init(Cipher.DECRYPT_MODE, master.secretKey(), new GCMParameterSpec(Ciphertext.TAG_BITS, w.wrapped(), 0, Ciphertext.NONCE_BYTES));
            c.updateAAD(wrapContext(w.keyId(), w.scopeHash()));
            return c.doFinal(w.wrapped(), Ciphertext.NONCE_BYTES, w.wrapped().length - Ciphertext.NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("data key " + w.keyId() + " does not unwrap with master key " + master.id()
                    + " (the key topic record was altered, or the master key is not the one it names)", e);
        }
    }

    private byte[] wrap(MasterKey master, String keyId, String scopeHash, byte[] raw) {
        byte[] nonce = new byte[Ciphertext.NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = masterCipher;
            c.init(Cipher.ENCRYPT_MODE, master.secretKey(), new GCMParameterSpec(Ciphertext.TAG_BITS, nonce));
            c.updateAAD(wrapContext(keyId, scopeHash));
            byte[] sealed = c.doFinal(raw);
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("wrapping a data key failed", e);
        }
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG", java.security.DrbgParameters.instantiation(256,
                    java.security.DrbgParameters.Capability.RESEED_ONLY, "meshspine data keys".getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's DRBG is not available in this JVM", e);
        }
    }

    /** A wrapped key is bound to its id and scope: moving it to another record makes it fail to unwrap. */
    private static byte[] wrapContext(String keyId, String scopeHash) {
        return ("meshspine.data-key.v1/" + keyId + "/" + scopeHash).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
