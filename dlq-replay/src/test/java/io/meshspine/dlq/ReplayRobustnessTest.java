package io.meshspine.dlq;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replays that race each other and stewards, on the real broker and registry: overlapping jobs from two workbenches
 * (two processes' worth of producers), a park and a repair committed while a replay runs, a record the raw topic
 * refuses, a rate that never holds a transaction open, and the cluster's {@code kafka.*} settings on every client.
 */
@ExtendWith(SpineExtension.class)
class ReplayRobustnessTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void two_overlapping_replay_jobs_from_two_workbenches_publish_each_dead_letter_exactly_once(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "overlap");
             DlqWorkbench web = DlqWorkbench.open(f.config().withReplayBatch(3), f.catalog);
             DlqWorkbench cli = DlqWorkbench.open(f.config().withReplayBatch(4), f.catalog);
             TopicReader raw = new TopicReader(kit, f.contract.rawTopic())) {
            int total = 60;
            List<DeadLetter> letters = f.publishDeadLetters(total, "aud");
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            await().atMost(Duration.ofSeconds(20)).until(() -> web.list(f.mine(), sam).size() == total);

            CompletableFuture<ActionReport> all = CompletableFuture.supplyAsync(() ->
                    web.replay(ReplayRequest.dryRun(f.mine()).forReal().withRate(60).withJob("web-page-job"), sam, ReplayProgress.NONE));
            CompletableFuture<ActionReport> some = CompletableFuture.supplyAsync(() ->
                    cli.replay(ReplayRequest.dryRun(f.mine()).forReal().withMaxRecords(45).withRate(60).withJob("cli-job"), sam,
                            ReplayProgress.NONE));
            ActionReport a = all.get(90, TimeUnit.SECONDS);
            ActionReport b = some.get(90, TimeUnit.SECONDS);

            assertThat(a.count(Outcome.REPLAYED) + b.count(Outcome.REPLAYED)).isEqualTo(total);
            assertThat(a.count(Outcome.REPLAYED)).as("both jobs published: they did overlap").isPositive();
            assertThat(b.count(Outcome.REPLAYED)).isPositive();
            assertThat(a.count(Outcome.ALREADY_REPLAYED) + b.count(Outcome.ALREADY_REPLAYED)).isEqualTo(45);
            List<ConsumerRecord<byte[], byte[]>> published = awaitRecords(raw, total);
            Map<String, Long> perLetter = published.stream().collect(Collectors.groupingBy(
                    r -> SpineHeaders.string(r.headers().lastHeader(SpineHeaders.REPLAY_OF).value()), Collectors.counting()));
            assertThat(perLetter.keySet()).containsExactlyInAnyOrderElementsOf(letters.stream().map(DeadLetter::id).toList());
            assertThat(perLetter.values()).allMatch(n -> n == 1L);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> raw.poll().size() == total);
            assertThat(web.list(f.mine("status=replayed"), sam)).hasSize(total).allSatisfy(q -> assertThat(q.state().replays()).hasSize(1));
        }
    }

    @Test
    void a_park_and_a_repair_committed_while_a_replay_runs_stand_and_the_replay_goes_on(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "meanwhile");
             DlqWorkbench replaying = DlqWorkbench.open(f.config().withReplayBatch(2), f.catalog);
             DlqWorkbench steward = DlqWorkbench.open(f.config(), f.catalog);
             TopicReader raw = new TopicReader(kit, f.contract.rawTopic())) {
            int total = 30;
            List<DeadLetter> letters = f.publishDeadLetters(total, "aud");
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            await().atMost(Duration.ofSeconds(20)).until(() -> replaying.list(f.mine(), sam).size() == total);
            // The last ten in the order the replay will take them (the queue's order: per DLQ partition, oldest first).
            List<String> order = replaying.list(f.mine(), sam).stream().map(QueuedDeadLetter::id).toList();
            assertThat(order).containsExactlyInAnyOrderElementsOf(letters.stream().map(DeadLetter::id).toList());
            List<String> tail = order.subList(20, 30);
            List<String> parked = tail.subList(0, 5);
            List<String> repaired = tail.subList(5, 10);

            List<Integer> done = new CopyOnWriteArrayList<>();
            CompletableFuture<ActionReport> replay = CompletableFuture.supplyAsync(() -> replaying.replay(
                    ReplayRequest.dryRun(f.mine()).forReal().withRate(4), sam, (d, t) -> done.add(d)));
            await("the replay has begun").atMost(Duration.ofSeconds(30)).until(() -> !done.isEmpty());
            ActionReport park = steward.park(byIds(parked), "duplicates of booked payments", sam);
            ActionReport repair = steward.repair(byIds(repaired), JSON.readTree("{\"currency\":\"AUD\"}"), sam);
            assertThat(park.count(Outcome.PARKED)).isEqualTo(5);
            assertThat(repair.count(Outcome.REPAIRED)).isEqualTo(5);
            assertThat(done).as("the steward acted while the replay was still running").last().isNotEqualTo(total);
            ActionReport report = replay.get(90, TimeUnit.SECONDS);

            assertThat(report.count(Outcome.CHANGED_MEANWHILE)).isEqualTo(5);
            assertThat(report.count(Outcome.REPLAYED)).isEqualTo(25);
            List<ConsumerRecord<byte[], byte[]>> published = awaitRecords(raw, 25);
            assertThat(published).extracting(r -> SpineHeaders.string(r.headers().lastHeader(SpineHeaders.REPLAY_OF).value()))
                    .doesNotHaveDuplicates().doesNotContainAnyElementsOf(parked).containsAll(repaired);
            for (ConsumerRecord<byte[], byte[]> r : published) {
                String of = SpineHeaders.string(r.headers().lastHeader(SpineHeaders.REPLAY_OF).value());
                GenericRecord value = f.decode(r.value(), f.contract.avroSchema());
                assertThat(value.get("currency").toString()).as(of).isEqualTo(repaired.contains(of) ? "AUD" : "aud");
            }
            assertThat(replaying.list(byIds(parked).withStatusAny(), sam)).allSatisfy(q -> {
                assertThat(q.status()).isEqualTo(DeadLetterStatus.PARKED);
                assertThat(q.state().replays()).isEmpty();
            });
            assertThat(replaying.list(byIds(repaired).withStatusAny(), sam)).allSatisfy(q -> {
                assertThat(q.status()).isEqualTo(DeadLetterStatus.REPLAYED);
                assertThat(q.state().repair()).as("the repair is kept beside the replay").isNotNull();
                assertThat(q.state().repair().value()).as("the repaired value left the state once replayed").isNull();
                assertThat(q.state().repair().afterSha256()).hasSize(64);
            });
        }
    }

    @Test
    void a_dead_letter_its_raw_topic_refuses_is_marked_refused_and_the_job_goes_on(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "refused");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog);
             TopicReader raw = new TopicReader(kit, f.contract.rawTopic())) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, f.contract.rawTopic());
            kit.admin().incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "4096"),
                    AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            List<DeadLetter> small = f.publishDeadLetters(3, "aud");
            GenericRecord big = f.payment(9_999, "aud");
            big.put("merchant_name", "x".repeat(20_000));
            DeadLetter tooLarge = f.publishRuleViolation(big);
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), sam).size() == 4);

            ActionReport report = bench.replay(ReplayRequest.dryRun(f.mine()).forReal(), sam, ReplayProgress.NONE);
            assertThat(report.count(Outcome.REPLAYED)).isEqualTo(3);
            assertThat(report.count(Outcome.REFUSED)).isEqualTo(1);
            assertThat(report.records()).filteredOn(r -> r.id().equals(tooLarge.id())).singleElement()
                    .satisfies(r -> assertThat(r.detail()).contains("RecordTooLarge"));
            assertThat(awaitRecords(raw, 3)).extracting(r -> SpineHeaders.string(r.headers().lastHeader(SpineHeaders.REPLAY_OF).value()))
                    .containsExactlyInAnyOrderElementsOf(small.stream().map(DeadLetter::id).toList());
            QueuedDeadLetter refused = bench.list(f.mine(), sam).get(0);
            assertThat(refused.id()).isEqualTo(tooLarge.id());
            assertThat(refused.status()).isEqualTo(DeadLetterStatus.ACTIVE);
            assertThat(refused.state().refusal().topic()).isEqualTo(f.contract.rawTopic());
            assertThat(bench.row(refused).get("refused").asText()).contains("RecordTooLarge");

            // Until its value changes, a replay does not try it again.
            ActionReport again = bench.replay(ReplayRequest.dryRun(f.mine()).forReal().withJob("second"), sam, ReplayProgress.NONE);
            assertThat(again.counts()).containsExactlyEntriesOf(Map.of(Outcome.REFUSED, 1L));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> raw.poll().size() == 3);
        }
    }

    @Test
    void a_rated_replay_commits_at_most_a_seconds_worth_per_transaction_and_pauses_between_them(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "paced");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog)) {
            f.publishDeadLetters(10, "aud");
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), sam).size() == 10);
            List<Integer> committed = new ArrayList<>();
            long start = System.nanoTime();
            ActionReport report = bench.replay(ReplayRequest.dryRun(f.mine()).forReal().withRate(4), sam, (d, t) -> committed.add(d));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(report.count(Outcome.REPLAYED)).isEqualTo(10);
            assertThat(committed).containsExactly(4, 8, 10);
            assertThat(millis).as("10 records at 4/s").isGreaterThanOrEqualTo(1_900);
        }
    }

    @Test
    void the_clusters_kafka_settings_reach_every_client_of_the_workbench(SpineTestKit kit, @TempDir Path stateDir) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "passthrough")) {
            var config = CommonSettings.define("dlq-api", DlqSettings.ALL).parse(Map.of(
                    "kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                    "kafka.metric.reporters", RecordingReporter.class.getName(), "dlq.state-dir", stateDir.toString()));
            DlqConfig dlq = DlqSettings.toDlqConfig(config);
            assertThat(dlq.kafkaClient()).containsEntry("metric.reporters", RecordingReporter.class.getName())
                    .doesNotContainKey("bootstrap.servers");
            RecordingReporter.CLIENT_IDS.clear();
            List<DeadLetter> letters = f.publishDeadLetters(2, "aud");
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            try (DlqWorkbench bench = DlqWorkbench.open(dlq.withHttpPort(0), f.catalog)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), sam).size() == 2);
                bench.park(DeadLetterFilter.byId(letters.get(0).id()), "test", sam);
                bench.replay(ReplayRequest.dryRun(DeadLetterFilter.byId(letters.get(1).id())).forReal(), sam, ReplayProgress.NONE);
                bench.audit(10, sam);
            }
            Collection<String> ids = RecordingReporter.CLIENT_IDS;
            assertThat(ids).anyMatch(id -> id.equals("spine-dlq-admin"))
                    .anyMatch(id -> id.equals("spine-dlq-reader"))
                    .anyMatch(id -> id.equals("spine-dlq-state-reader"))
                    .anyMatch(id -> id.equals("spine-dlq-audit"))
                    .anyMatch(id -> id.equals("spine-dlq-audit-reader"))
                    .anyMatch(id -> id.startsWith("spine-dlq-state-writer-"));
        }
    }

    @Test
    void a_load_of_the_queue_reports_how_far_it_has_got(SpineTestKit kit) {
        try (PaymentsFixture f = new PaymentsFixture(kit, "load")) {
            f.publishDeadLetters(5, "aud");
            List<long[]> dlq = new CopyOnWriteArrayList<>();
            try (DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog, (topic, read, behind, done) -> {
                if (topic.equals(io.meshspine.core.topic.Topics.DLQ) && done) {
                    dlq.add(new long[]{read, behind});
                }
            })) {
                assertThat(bench.list(f.mine(), Steward.operator("t"))).hasSize(5);
            }
            assertThat(dlq).singleElement().satisfies(p -> {
                assertThat(p[0]).as("read").isGreaterThanOrEqualTo(5);
                assertThat(p[1]).as("behind at the start, markers included").isGreaterThanOrEqualTo(p[0]);
            });
        }
    }

    private static DeadLetterFilter byIds(List<String> ids) {
        return DeadLetterFilter.parse(Map.of("id", ids));
    }

    private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(TopicReader reader, int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> reader.poll().size() >= n);
        return reader.poll();
    }
}
