package io.meshspine.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshspine.core.contract.ContractCatalog;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class HashCacheTest {

    @Test
    void aCachedHashIsTheHashWhateverTheCacheHoldsAndWhateverTypeTheValueHas() {
        PiiMasker masker = new PiiMasker(ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow(),
                "test-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        SplittableRandom random = new SplittableRandom(3);
        // Three times the cache's size in distinct values, drawn repeatedly: hits, misses, evictions and set collisions.
        for (int i = 0; i < 200_000; i++) {
            String value = "C" + random.nextInt(3 * PiiMasker.CACHED_HASHES);
            String expected = masker.hash(value);
            int field = random.nextInt(2);
            assertThat(masker.cachedHash(field, new Utf8(value)).toString()).isEqualTo(expected);
            assertThat(masker.cachedHash(field, value).toString()).isEqualTo(expected);
        }
        assertThat(masker.cachedHash(0, new Utf8("Zoë 🙂")).toString()).isEqualTo(masker.hash("Zoë 🙂"));
        // A Utf8 whose buffer is longer than its value: only its value's bytes count.
        Utf8 reused = new Utf8("short, then a much longer tail");
        reused.setByteLength(5);
        assertThat(masker.cachedHash(1, reused).toString()).isEqualTo(masker.hash("short"));
    }

    @Test
    void aFullSetKeepsTheValueUsedLast() {
        HashCache cache = new HashCache(2); // one set of two slots: every value collides
        cache.put(bytes("a"), 1, new Utf8("A"));
        cache.put(bytes("b"), 1, new Utf8("B"));
        assertThat(cache.get(bytes("a"), 1).toString()).isEqualTo("A");
        cache.put(bytes("c"), 1, new Utf8("C")); // evicts b, used less recently than a
        assertThat(cache.get(bytes("a"), 1).toString()).isEqualTo("A");
        assertThat((Object) cache.get(bytes("b"), 1)).isNull();
        assertThat(cache.get(bytes("c"), 1).toString()).isEqualTo("C");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
