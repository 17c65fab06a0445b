package io.meshspine.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * AES-GCM is broken by one repeated nonce under a key (the two plaintexts' XOR and the authentication key leak), so
 * the per-thread nonce construction must never repeat: not across threads sealing under one key at once, not across
 * many values of one thread, not when a thread's counter runs out.
 */
class CiphertextNoncesTest {

    private static final DataKey KEY = new DataKey(HexFormat.of().formatHex(new byte[16]), "scope", "payments",
            new SecretKeySpec(new byte[32], "AES"));

    @Test
    void nonces_do_not_repeat_across_threads_sealing_under_one_key_nor_across_many_values() throws Exception {
        int threads = 6;
        int perThread = 60_000;
        Set<ByteBuffer> nonces = ConcurrentHashMap.newKeySet(threads * perThread);
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> repeats = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                repeats.add(pool.submit(() -> {
                    start.await();
                    int repeated = 0;
                    byte[] plain = "C-42".getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < perThread; i++) {
                        if (!nonces.add(ByteBuffer.wrap(Ciphertext.nonce(Ciphertext.seal(KEY, plain))))) {
                            repeated++;
                        }
                    }
                    return repeated;
                }));
            }
            for (Future<Integer> r : repeats) {
                assertThat(r.get()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(nonces).hasSize(threads * perThread);
    }

    @Test
    void a_thread_draws_a_new_random_field_before_its_counter_wraps() {
        Ciphertext.Nonces n = new Ciphertext.Nonces(new SecureRandom(), (1L << 32) - 2);
        byte[][] out = new byte[4][12];
        for (byte[] o : out) {
            n.next(o, 0);
        }
        assertThat(Arrays.copyOfRange(out[0], 8, 12)).containsExactly(0xff, 0xff, 0xff, 0xfe);
        assertThat(Arrays.copyOfRange(out[1], 8, 12)).containsExactly(0xff, 0xff, 0xff, 0xff);
        assertThat(Arrays.copyOfRange(out[0], 0, 8)).isEqualTo(Arrays.copyOfRange(out[1], 0, 8));
        // past 2^32 - 1: a fresh field and the counter from 0, never counter 0 again under the old field
        assertThat(Arrays.copyOfRange(out[2], 0, 8)).isNotEqualTo(Arrays.copyOfRange(out[1], 0, 8));
        assertThat(Arrays.copyOfRange(out[2], 8, 12)).containsExactly(0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(out[3], 8, 12)).containsExactly(0, 0, 0, 1);
        Set<ByteBuffer> distinct = new HashSet<>();
        for (byte[] o : out) {
            distinct.add(ByteBuffer.wrap(o));
        }
        assertThat(distinct).hasSize(out.length);
    }

    @Test
    void every_value_still_opens_with_its_key_and_names_it() {
        byte[] plain = "4111 1111 1111 1111".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = Ciphertext.seal(KEY, plain);
        assertThat(sealed).hasSize(plain.length + Ciphertext.OVERHEAD);
        assertThat(sealed[0]).isEqualTo(Ciphertext.VERSION);
        assertThat(Ciphertext.keyId(sealed)).isEqualTo(KEY.keyId());
        assertThat(Ciphertext.open(KEY.secret(), sealed)).isEqualTo(plain);
    }
}
