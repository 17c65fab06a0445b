package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The queue's index outside the heap, on the real broker: counts that match the topic (from the counts and from a
 * scan alike), pages from the index, payloads fetched only to inspect or filter on a value, a restart that catches up
 * from where the index had read (only what arrived meanwhile is read), and dead letters past the DLQ's retention
 * leaving the index when the workbench starts.
 */
@ExtendWith(SpineExtension.class)
class QueueIndexTest {

    @Test
    void the_index_counts_what_the_topic_holds_catches_up_on_restart_and_forgets_what_retention_deleted(SpineTestKit kit, @TempDir Path dir)
            throws Exception {
        Path stateDir = dir.resolve("dlq-index");
        Steward ada = Steward.operator("ada");
        try (PaymentsFixture f = new PaymentsFixture(kit, "index")) {
            DlqConfig config = f.config().withStateDir(stateDir);
            List<DeadLetter> first = f.publishDeadLetters(4, "aud");
            first.add(f.publishDeadLetters(1, "xyz").get(0));
            DeadLetter parked;
            try (DlqWorkbench bench = DlqWorkbench.open(config, f.catalog)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> bench.summary(f.mine(), ada).total() == 5);
                DlqSummary summary = bench.summary(f.mine(), ada);
                assertThat(summary.rows()).singleElement().satisfies(r -> {
                    assertThat(r.contract()).isEqualTo(f.contract.qualifiedName());
                    assertThat(r.failureType()).isEqualTo("RULE");
                    assertThat(r.rule()).isEqualTo("currency-iso-4217");
                    assertThat(r.count()).isEqualTo(5);
                });
                assertThat(summary.oldest()).isEqualTo(millis(first.get(0)));
                assertThat(summary.newest()).isEqualTo(millis(first.get(4)));
                // not in the counts: a scan of the index (correlation id, key by hash) and of the payloads (where)
                assertThat(bench.summary(f.mine("correlation-id=" + first.get(2).correlationId()), ada).total()).isEqualTo(1);
                String key = new String(first.get(3).original().key(), StandardCharsets.UTF_8);
                assertThat(bench.page(f.mine("key=" + key), ada, ListPage.Order.NEWEST, null, 10).items())
                        .extracting(QueueEntry::id).containsExactly(first.get(3).id());
                assertThat(bench.summary(f.mine("where=currency=xyz"), ada).total()).isEqualTo(1);
                assertThat(bench.page(f.mine("where=currency=aud"), ada, ListPage.Order.OLDEST, null, 10).items())
                        .extracting(QueueEntry::id).containsExactlyElementsOf(first.subList(0, 4).stream().map(DeadLetter::id).toList());

                // pages of two, newest first, from the index; the cursor carries on where the page ended
                List<String> paged = new ArrayList<>();
                String cursor = null;
                do {
                    ListPage page = bench.page(f.mine(), ada, ListPage.Order.NEWEST, cursor, 2);
                    assertThat(page.total()).isEqualTo(5);
                    assertThat(page.items()).hasSizeLessThanOrEqualTo(2);
                    page.items().forEach(e -> paged.add(e.id()));
                    cursor = page.nextCursor();
                } while (cursor != null);
                List<String> newestFirst = new ArrayList<>(first.stream().map(DeadLetter::id).toList());
                java.util.Collections.reverse(newestFirst);
                assertThat(paged).containsExactlyElementsOf(newestFirst);
                assertThatThrownBy(() -> bench.page(f.mine(), ada, ListPage.Order.NEWEST, null, 0)).hasMessageContaining("limit must be at least 1");

                // a state change moves the counts; inspect fetches the payload by partition and offset
                parked = first.get(1);
                bench.park(DeadLetterFilter.byId(parked.id()), "noise", ada);
                assertThat(bench.summary(f.mine(), ada).total()).isEqualTo(4);
                assertThat(bench.summary(f.mine("status=parked"), ada).total()).isEqualTo(1);
                ObjectNode inspected = bench.inspect(first.get(4).id(), ada).orElseThrow();
                assertThat(inspected.at("/original/value/currency").asText()).isEqualTo("xyz");
                ObjectNode row = bench.row(bench.page(f.mine("status=parked"), ada, ListPage.Order.NEWEST, null, 1).items().get(0));
                assertThat(row.get("status").asText()).isEqualTo("parked");
                assertThat(row.get("id").asText()).isEqualTo(parked.id());
            }

            // Restart: only what arrived while the workbench was down is read; the state stands.
            List<DeadLetter> meanwhile = f.publishDeadLetters(2, "aud");
            Map<String, Long> read = new ConcurrentHashMap<>();
            try (DlqWorkbench bench = DlqWorkbench.open(config, f.catalog, (topic, n, behind, done) -> {
                if (done) {
                    read.merge(topic, n, Long::sum);
                }
            })) {
                assertThat(read).containsEntry(Topics.DLQ, 2L).doesNotContainKey(Topics.DLQ_STATE);
                assertThat(bench.summary(f.mine(), ada).total()).isEqualTo(6);
                assertThat(bench.summary(f.mine("status=parked"), ada).total()).isEqualTo(1);
                assertThat(bench.list(f.mine("status=any"), ada)).extracting(QueuedDeadLetter::id)
                        .contains(meanwhile.get(0).id(), meanwhile.get(1).id(), parked.id()).hasSize(7);
            }

            // Retention deletes everything on the DLQ while the workbench is down: at start, the index forgets it.
            var partitions = kit.admin().describeTopics(List.of(Topics.DLQ)).allTopicNames().get(30, TimeUnit.SECONDS).get(Topics.DLQ).partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(new TopicPartition(Topics.DLQ, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            kit.admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, o) -> delete.put(tp, RecordsToDelete.beforeOffset(o.offset())));
            kit.admin().deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
            DeadLetter kept = f.publishDeadLetters(1, "aud").get(0);
            try (DlqWorkbench bench = DlqWorkbench.open(config, f.catalog)) {
                DlqSummary any = bench.summary(f.mine("status=any"), ada);
                assertThat(any.total()).isEqualTo(1);
                assertThat(any.oldest()).isEqualTo(millis(kept));
                assertThat(bench.page(f.mine("status=any"), ada, ListPage.Order.NEWEST, null, 10).items()).extracting(QueueEntry::id)
                        .containsExactly(kept.id());
                assertThat(bench.inspect(parked.id(), ada)).isEmpty();
                // everything the index holds is on the topic now: this fixture's one, and what other tests publish later
                assertThat(bench.depth().byContractAndType()).containsEntry(List.of(f.contract.qualifiedName(), "RULE"), 1L);
            }
        }
    }

    /** The envelope keeps milliseconds. */
    private static java.time.Instant millis(DeadLetter d) {
        return d.deadLetteredAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }
}
