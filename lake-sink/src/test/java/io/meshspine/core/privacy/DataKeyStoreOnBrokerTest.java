package io.meshspine.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Data keys in a real key topic: shared by writers, created concurrently, destroyed by erasure, re-wrapped by rotation. */
@ExtendWith(SpineExtension.class)
class DataKeyStoreOnBrokerTest {

    private static final String ALICE = "C-1001";
    private static final String BOB = "C-2002";

    @Test
    void writers_share_keys_survive_concurrent_creation_tell_erased_from_lost_and_rotation_rewraps_without_touching_data(SpineTestKit kit) {
        String topic = kit.createTopic(SpineTestKit.uniqueName("spine.privacy.keys"), 1);
        Map<String, Object> kafka = Map.of("bootstrap.servers", kit.bootstrapServers());
        MasterKey oldMaster = MasterKey.DEMO;
        MasterKey newMaster = randomMaster();
        SubjectHasher hasher = new SubjectHasher("test-subject-hash-key".getBytes(StandardCharsets.UTF_8));
        KeyScope alice = KeyScope.subject("crm", ALICE);
        KeyScope bob = KeyScope.subject("crm", BOB);
        byte[] alicePlain = "{\"email\":\"alice@example.com\"}".getBytes(StandardCharsets.UTF_8);
        byte[] bobPlain = "bob@example.com".getBytes(StandardCharsets.UTF_8);

        // A stale writer (its clock never moves, so it never catches up on its own) and a live one.
        Clock frozen = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        try (DataKeyStore live = DataKeyStore.open(topic, kafka, MasterKeys.of(oldMaster), hasher);
             DataKeyStore stale = DataKeyStore.open(topic, kafka, MasterKeys.of(oldMaster), hasher, frozen)) {
            SubjectCipher a = new SubjectCipher(live);
            SubjectCipher b = new SubjectCipher(stale);
            byte[] aliceByA = a.encrypt(alice, alicePlain);
            byte[] bobByA = a.encrypt(bob, bobPlain);
            // The stale writer has not seen A's key for Bob: it makes its own, and both must survive compaction.
            byte[] bobByB = b.encrypt(bob, bobPlain);
            // New keys are sent without waiting; whoever stores ciphertext waits for them first (the sink: before each commit).
            live.awaitDurable();
            stale.awaitDurable();
            assertThat(Ciphertext.keyId(bobByB)).isNotEqualTo(Ciphertext.keyId(bobByA));
            assertThat(aliceByA).hasSize(alicePlain.length + Ciphertext.OVERHEAD);
            assertThat(new String(aliceByA, StandardCharsets.ISO_8859_1)).doesNotContain("alice");
            // A key another writer created is found on lookup (the store catches up before calling a key lost).
            assertThat(plain(b.decrypt(aliceByA))).isEqualTo(alicePlain);
            assertThat(plain(a.decrypt(bobByB))).isEqualTo(bobPlain);
            assertThat(live.liveKeyIds(hasher.hash(bob))).containsExactlyInAnyOrder(Ciphertext.keyId(bobByA), Ciphertext.keyId(bobByB));
            // Same subject in another domain is another scope.
            assertThat(hasher.hash(KeyScope.subject("payments", ALICE))).isNotEqualTo(hasher.hash(alice));

            // A flipped byte fails authentication rather than decrypting to garbage.
            byte[] tampered = aliceByA.clone();
            tampered[tampered.length - 1] ^= 1;
            assertThatThrownBy(() -> a.decrypt(tampered)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("authentication tag");

            // Erase Alice: every key of hers is destroyed; a running writer sees it within the refresh interval.
            List<String> destroyed = live.destroy(alice, "erasure-1");
            assertThat(destroyed).containsExactly(Ciphertext.keyId(aliceByA));
            assertThat(a.decrypt(aliceByA)).isEqualTo(new Decryption.Erased(Ciphertext.keyId(aliceByA), "erasure-1"));
            assertThat(live.destroy(alice, "erasure-2")).as("erasing twice destroys nothing more").isEmpty();
            assertThat(live.erasure(hasher.hash(alice))).hasValueSatisfying(e -> {
                assertThat(e.erasureId()).isEqualTo("erasure-1");
                assertThat(e.keyIds()).containsExactly(Ciphertext.keyId(aliceByA));
            });
            // New data of Alice after her erasure gets a new key (it is new data), and Bob is untouched.
            byte[] aliceAgain = a.encrypt(alice, alicePlain);
            live.awaitDurable();
            assertThat(Ciphertext.keyId(aliceAgain)).isNotIn(destroyed);
            assertThat(plain(a.decrypt(bobByA))).isEqualTo(bobPlain);

            // A fresh reader: erased is erased, a key the topic never held is a lost store, loudly.
            try (DataKeyStore reader = DataKeyStore.open(topic, kafka, MasterKeys.of(oldMaster), hasher)) {
                SubjectCipher r = new SubjectCipher(reader);
                assertThat(r.decrypt(aliceByA)).isInstanceOf(Decryption.Erased.class);
                assertThat(plain(r.decrypt(bobByB))).isEqualTo(bobPlain);
                byte[] foreign = foreignCiphertext(kit, kafka, hasher);
                assertThatThrownBy(() -> r.decrypt(foreign)).isInstanceOf(KeyStoreLostException.class)
                        .hasMessageContaining(Ciphertext.keyId(foreign)).hasMessageContaining("lost");
            }

            // Rotation: the new master key re-wraps every live key (Bob x2, Alice's new one), the data stays as it is.
            try (DataKeyStore rotating = DataKeyStore.open(topic, kafka, new MasterKeys(newMaster, List.of(oldMaster)), hasher)) {
                assertThat(rotating.rewrap()).isEqualTo(3);
                assertThat(rotating.liveKeysByMasterKey()).containsOnly(Map.entry(newMaster.id(), 3));
                assertThat(rotating.rewrap()).isZero();
            }
            try (DataKeyStore rotated = DataKeyStore.open(topic, kafka, MasterKeys.of(newMaster), hasher);
                 DataKeyStore oldOnly = DataKeyStore.open(topic, kafka, MasterKeys.of(oldMaster), hasher)) {
                SubjectCipher n = new SubjectCipher(rotated);
                assertThat(plain(n.decrypt(bobByA))).isEqualTo(bobPlain);
                assertThat(plain(n.decrypt(bobByB))).isEqualTo(bobPlain);
                assertThat(plain(n.decrypt(aliceAgain))).isEqualTo(alicePlain);
                assertThat(n.decrypt(aliceByA)).isInstanceOf(Decryption.Erased.class);
                assertThatThrownBy(() -> new SubjectCipher(oldOnly).decrypt(bobByA)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(newMaster.id()).hasMessageContaining("privacy.previous-master-keys");
            }
        }

        // The topic itself: records keyed <scope HMAC>/<key id> or <scope HMAC>/erasure, and no subject value in clear.
        List<ConsumerRecord<byte[], byte[]>> records = readAll(kit, topic);
        assertThat(records).isNotEmpty();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            assertThat(key).matches("[0-9a-f]{64}/([0-9a-f]{32}|erasure)");
            String value = new String(r.value(), StandardCharsets.UTF_8);
            assertThat(value).doesNotContain(ALICE).doesNotContain(BOB).doesNotContain("alice@").doesNotContain(newMaster.id() + "x");
        }
        assertThat(records).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .contains(hasher.hash(alice) + "/erasure");
    }

    private static byte[] plain(Decryption d) {
        assertThat(d).isInstanceOf(Decryption.Plain.class);
        return ((Decryption.Plain) d).bytes();
    }

    private static MasterKey randomMaster() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return MasterKey.of(b);
    }

    /** A ciphertext under a key of another key topic: to this store's topic, a key it never held. */
    private static byte[] foreignCiphertext(SpineTestKit kit, Map<String, Object> kafka, SubjectHasher hasher) {
        String other = kit.createTopic(SpineTestKit.uniqueName("spine.privacy.keys.other"), 1);
        try (DataKeyStore elsewhere = DataKeyStore.open(other, kafka, MasterKeys.of(MasterKey.DEMO), hasher)) {
            return new SubjectCipher(elsewhere).encrypt(KeyScope.domain("crm"), new byte[] {1, 2, 3});
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(SpineTestKit kit, String topic) {
        Map<String, Object> c = new HashMap<>(kit.consumerConfig(SpineTestKit.uniqueName("read")));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return consumer.position(tp) >= end;
            });
        }
        return out;
    }
}
