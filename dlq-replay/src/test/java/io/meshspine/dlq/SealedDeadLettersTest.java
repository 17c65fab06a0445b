package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.privacy.Ciphertext;
import io.meshspine.core.privacy.KeyScope;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16: the real gate encrypts a dead letter's original under its data subject's key (nothing of the customer in
 * clear on the DLQ), and the workbench opens it for those who may see the domain's PII, for repair and for replay,
 * while a viewer sees it masked; a parked copy is encrypted again. Real broker and registry.
 */
@ExtendWith(SpineExtension.class)
class SealedDeadLettersTest {

    @Test
    void the_gate_seals_originals_and_the_workbench_opens_them_for_stewards_and_replay_but_not_for_viewers(
            SpineTestKit kit, @TempDir Path state) throws Exception {
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of()).topics().stream()
                .filter(t -> t.name().equals(Topics.PRIVACY_KEYS)).toList());
        try (PaymentsFixture f = new PaymentsFixture(kit, "sealed");
             ContractGateService gate = f.startGate(state, true);
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog);
             TopicReader dlq = new TopicReader(kit, Topics.DLQ);
             TopicReader raw = new TopicReader(kit, f.contract.rawTopic());
             TopicReader parked = new TopicReader(kit, Topics.DLQ_PARKED)) {
            String customer = "C-SEALED-" + SpineTestKit.uniqueName("c").hashCode();
            List<GenericRecord> bad = IntStream.range(0, 2).mapToObj(i -> {
                GenericRecord r = f.payment(i, "aud");
                r.put("customer_id", customer);
                return r;
            }).toList();
            f.send(bad);
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            Steward vera = new Steward("vera", Role.VIEWER, Set.of(f.contract.domain()));
            await("the gate dead-letters both").atMost(Duration.ofSeconds(60)).until(() -> bench.list(f.mine(), sam).size() == 2);

            // On the DLQ: sealed envelopes, the subject's key named, nothing of the customer in clear.
            byte[] customerBytes = customer.getBytes(StandardCharsets.UTF_8);
            List<ConsumerRecord<byte[], byte[]>> ours = dlq.drain().stream()
                    .filter(r -> f.contract.qualifiedName().equals(envelope(f, r).contract())).toList();
            assertThat(ours).hasSize(2);
            String subjectHmac = PrivacyConfig.DEMO.hasher().hash(KeyScope.subject(f.contract.domain(), customer));
            for (ConsumerRecord<byte[], byte[]> r : ours) {
                DeadLetter d = envelope(f, r);
                assertThat(d.sealed()).isTrue();
                assertThat(d.sealing().subjectHmac()).isEqualTo(subjectHmac);
                assertThat(Ciphertext.keyId(d.original().value())).isEqualTo(d.sealing().keyId());
                assertThat(indexOf(r.value(), customerBytes)).as("the customer id in the DLQ record").isEqualTo(-1);
            }

            // The workbench: a viewer sees the masked form, a steward of the domain the customer in clear.
            List<QueuedDeadLetter> both = bench.list(f.mine(), sam);
            QueuedDeadLetter first = both.get(0);
            QueuedDeadLetter second = both.get(1);
            JsonNode masked = bench.inspect(first.id(), vera).orElseThrow();
            assertThat(masked.at("/original/value/customer_id").asText()).isEqualTo(PiiMask.MASKED);
            assertThat(masked.at("/original/value/currency").asText()).isEqualTo("aud");
            assertThat(masked.get("encrypted_at_rest").asBoolean()).isTrue();
            assertThat(bench.inspect(first.id(), sam).orElseThrow().at("/original/value/customer_id").asText()).isEqualTo(customer);

            // Replay sends the decrypted original back to the raw topic (the gate refuses it again: same bad currency).
            ActionReport replay = bench.replay(ReplayRequest.dryRun(f.mine("id=" + first.id())).forReal(), sam, ReplayProgress.NONE);
            assertThat(replay.counts()).containsExactlyEntriesOf(Map.of(Outcome.REPLAYED, 1L));
            await("the replayed record is on the raw topic").atMost(Duration.ofSeconds(20)).until(() -> raw.poll().stream()
                    .anyMatch(r -> r.headers().lastHeader(SpineHeaders.REPLAY_OF) != null));
            ConsumerRecord<byte[], byte[]> replayed = raw.poll().stream()
                    .filter(r -> r.headers().lastHeader(SpineHeaders.REPLAY_OF) != null).findFirst().orElseThrow();
            assertThat(f.decode(replayed.value(), f.contract.avroSchema()).get("customer_id").toString()).isEqualTo(customer);

            // A parked copy is sealed again.
            bench.park(f.mine("id=" + second.id()), "kept aside", sam);
            await("the parked copy").atMost(Duration.ofSeconds(10)).until(() -> parked.poll().stream()
                    .anyMatch(r -> second.id().equals(envelope(f, r).id())));
            ConsumerRecord<byte[], byte[]> copy = parked.poll().stream().filter(r -> second.id().equals(envelope(f, r).id())).findFirst().orElseThrow();
            assertThat(envelope(f, copy).sealed()).isTrue();
            assertThat(indexOf(copy.value(), customerBytes)).isEqualTo(-1);
        }
    }

    private static DeadLetter envelope(PaymentsFixture f, ConsumerRecord<byte[], byte[]> r) {
        return DeadLetterCodec.fromAvro(f.decode(r.value(), DeadLetterCodec.SCHEMA));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
