package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Dead letters made by the real gate, repaired and replayed through it again, on the real broker and registry. */
@ExtendWith(SpineExtension.class)
class ReplayThroughTheGateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void bad_currencies_repaired_by_filter_reach_the_product_topic_once_and_the_rest_loop_until_the_guard_parks_them(
            SpineTestKit kit, @TempDir Path state, @TempDir Path lineage) throws Exception {
        Path events = lineage.resolve("events.jsonl");
        String rawTopic;
        try (PaymentsFixture f = new PaymentsFixture(kit, "replay");
             ContractGateService gate = f.startGate(state);
             io.meshspine.testkit.TopicReader product = new io.meshspine.testkit.TopicReader(kit, f.contract.productTopic());
             DlqWorkbench bench = DlqWorkbench.open(f.config().withLineage(io.meshspine.core.lineage.LineageConfig.toFile(events)), f.catalog);
             io.meshspine.testkit.TopicReader parkedTopic = new io.meshspine.testkit.TopicReader(kit, Topics.DLQ_PARKED)) {
            rawTopic = f.contract.rawTopic();
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            Steward vera = new Steward("vera", Role.VIEWER, Set.of(f.contract.domain()));
            List<GenericRecord> lowerCase = IntStream.range(0, 4).mapToObj(i -> f.payment(i, "aud")).toList();
            List<GenericRecord> unknown = IntStream.range(4, 6).mapToObj(i -> f.payment(i, "ZZZ")).toList();
            List<String> repairable = f.send(lowerCase);
            List<String> hopeless = f.send(unknown);
            f.send(List.of(f.payment(100, "EUR")));

            await("the gate dead-letters the six bad currencies").atMost(Duration.ofSeconds(60))
                    .until(() -> bench.list(f.mine(), sam).size() == 6);
            DlqSummary summary = bench.summary(f.mine(), vera);
            assertThat(summary.total()).isEqualTo(6);
            assertThat(summary.rows()).containsExactly(new DlqSummary.Row(f.contract.qualifiedName(), "RULE", "currency-iso-4217", 6));
            assertThat(summary.oldest()).isBeforeOrEqualTo(summary.newest());

            QueuedDeadLetter first = bench.list(f.mine("where=currency=aud"), sam).get(0);
            JsonNode masked = bench.inspect(first.id(), vera).orElseThrow();
            assertThat(masked.at("/original/value/customer_id").asText()).isEqualTo(PiiMask.MASKED);
            assertThat(masked.at("/original/value/currency").asText()).isEqualTo("aud");
            assertThat(masked.at("/violations/0/rule_id").asText()).isEqualTo("currency-iso-4217");
            JsonNode shown = bench.inspect(first.id(), sam).orElseThrow();
            assertThat(shown.at("/original/value/customer_id").asText()).startsWith("C");

            ActionReport repair = bench.repair(f.mine("where=currency=aud"), JSON.readTree("{\"currency\":\"AUD\"}"), sam);
            assertThat(repair.counts()).containsExactlyEntriesOf(java.util.Map.of(Outcome.REPAIRED, 4L));
            ActionReport recheck = bench.recheck(f.mine(), sam);
            assertThat(recheck.counts()).containsEntry(Outcome.PASSES, 4L).containsEntry(Outcome.FAILS, 2L);

            ActionReport dryRun = bench.replay(ReplayRequest.dryRun(f.mine()), sam, ReplayProgress.NONE);
            assertThat(dryRun.dryRun()).isTrue();
            assertThat(dryRun.counts()).containsEntry(Outcome.WOULD_PASS, 4L).containsEntry(Outcome.WOULD_FAIL_AGAIN, 2L);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> product.poll().size() == 1);

            List<int[]> progress = new ArrayList<>();
            ActionReport replay = bench.replay(ReplayRequest.dryRun(f.mine()).forReal(), sam, (done, total) -> progress.add(new int[]{done, total}));
            assertThat(replay.counts()).containsExactlyEntriesOf(java.util.Map.of(Outcome.REPLAYED, 6L));
            assertThat(progress).isNotEmpty().last().satisfies(p -> assertThat(p).containsExactly(6, 6));

            await("repaired records pass the gate").atMost(Duration.ofSeconds(60)).until(() -> product.poll().size() >= 5);
            await("unrepaired ones come back with replay count 1").atMost(Duration.ofSeconds(60))
                    .until(() -> bench.list(f.mine("replay-count=1"), sam).size() == 2);
            // The same replay again finds nothing left to publish: each dead letter is replayed once.
            assertThat(bench.replay(ReplayRequest.dryRun(f.mine()).forReal().withJob(replay.job()), sam, ReplayProgress.NONE).selected())
                    .isEqualTo(2);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6)).until(() -> product.poll().size() == 5);

            List<ConsumerRecord<byte[], byte[]>> products = product.poll();
            List<String> passed = products.stream().map(r -> f.decode(r.value(), f.contract.avroSchema()))
                    .map(r -> r.get("transaction_id").toString()).toList();
            assertThat(passed).doesNotHaveDuplicates().containsAll(repairable).doesNotContainAnyElementsOf(hopeless);
            assertThat(products.stream().filter(r -> r.headers().lastHeader(SpineHeaders.REPLAY_OF) != null)).hasSize(4)
                    .allSatisfy(r -> assertThat(SpineHeaders.string(r.headers().lastHeader(SpineHeaders.REPLAY_COUNT).value())).isEqualTo("1"));

            // Second round trip: those two were replayed by the re-run above (count 2), back again; the third replay parks them.
            await("back with replay count 2").atMost(Duration.ofSeconds(60))
                    .until(() -> bench.list(f.mine("replay-count=2"), sam).size() == 2);
            ActionReport third = bench.replay(ReplayRequest.dryRun(f.mine()).forReal(), sam, ReplayProgress.NONE);
            assertThat(third.counts()).containsExactlyEntriesOf(java.util.Map.of(Outcome.PARKED, 2L));
            assertThat(bench.list(f.mine(), sam)).isEmpty();
            assertThat(bench.list(f.mine("status=parked"), sam)).hasSize(2)
                    .allSatisfy(q -> assertThat(q.state().reason()).startsWith("loop guard"));
            await("the parked envelopes are on the parked topic").atMost(Duration.ofSeconds(10)).until(() -> parkedTopic.poll().stream()
                    .map(r -> DeadLetterCodec.fromAvro(f.decode(r.value(), DeadLetterCodec.SCHEMA)))
                    .filter(d -> f.contract.qualifiedName().equals(d.contract())).map(DeadLetter::replayCount).toList()
                    .equals(List.of(2, 2)));

            // History: the last dead letter of a hopeless record points back through both earlier ones.
            QueuedDeadLetter last = bench.list(f.mine("status=parked"), sam).get(0);
            JsonNode history = bench.inspect(last.id(), sam).orElseThrow().get("history");
            assertThat(history).hasSize(2);
            assertThat(history.get(0).get("replay_count").asInt()).isEqualTo(1);
            assertThat(history.get(1).get("replay_count").asInt()).isEqualTo(0);
            assertThat(last.letter().failureType()).isEqualTo(FailureType.RULE);

            List<AuditEntry> audit = bench.audit(1000, sam).stream()
                    .filter(a -> a.filter() != null && f.contract.qualifiedName().equals(a.filter().path("contract").asText())).toList();
            assertThat(audit).extracting(AuditEntry::action)
                    .containsSubsequence("repair", "recheck", "replay-dry-run", "replay", "replay", "replay");
            AuditEntry repaired = audit.stream().filter(a -> a.action().equals("repair")).findFirst().orElseThrow();
            assertThat(repaired.who()).isEqualTo("sam");
            assertThat(repaired.count()).isEqualTo(4);
            assertThat(repaired.details().get("repaired")).hasSize(4).allSatisfy(h -> {
                assertThat(h.get("before_sha256").asText()).hasSize(64);
                assertThat(h.get("after_sha256").asText()).hasSize(64).isNotEqualTo(h.get("before_sha256").asText());
            });
        }
        // Closed: one lineage run per real replay (dry runs have none), spine.dlq back to the raw topic, with its counts.
        List<JsonNode> runs = io.meshspine.testkit.LineageSpec.readLines(events);
        assertThat(runs).allSatisfy(e -> assertThat(io.meshspine.testkit.LineageSpec.violations(e)).as(e.toString()).isEmpty());
        assertThat(runs).extracting(e -> e.get("eventType").asText()).containsExactly("START", "COMPLETE", "START", "COMPLETE", "START", "COMPLETE");
        assertThat(runs).allSatisfy(e -> {
            assertThat(e.at("/job/name").asText()).isEqualTo("dlq-replay");
            assertThat(e.at("/inputs/0/name").asText()).isEqualTo(Topics.DLQ);
            assertThat(e.at("/inputs/0/namespace").asText()).startsWith("kafka://127.0.0.1:");
        });
        List<JsonNode> completes = runs.stream().filter(e -> e.get("eventType").asText().equals("COMPLETE")).toList();
        assertThat(completes).extracting(e -> e.at("/run/facets/meshspine_run/rowsOut").asLong()).containsExactly(6L, 2L, 0L);
        assertThat(completes).extracting(e -> e.at("/run/facets/meshspine_run/deadLettered").asLong()).containsExactly(0L, 0L, 2L);
        assertThat(completes.get(0).at("/outputs/0/name").asText()).isEqualTo(rawTopic);
        assertThat(runs.get(0).at("/run/runId").asText()).isEqualTo(runs.get(1).at("/run/runId").asText());
    }
}
