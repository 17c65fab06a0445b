package io.meshspine.dlq;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Dead letters the DLQ no longer holds (records deleted, as retention does) leave the workbench's queue. */
@ExtendWith(SpineExtension.class)
class RetentionTest {

    @Test
    void dead_letters_past_the_topics_retention_leave_the_queue_and_later_ones_stay(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "retention");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog)) {
            List<DeadLetter> old = f.publishDeadLetters(3, "aud");
            Steward ada = Steward.operator("ada");
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), ada).size() == 3);
            bench.park(DeadLetterFilter.byId(old.get(0).id()), "noise", ada);

            // What retention does to the oldest segments: everything up to now is gone from spine.dlq.
            var partitions = kit.admin().describeTopics(List.of(Topics.DLQ)).allTopicNames().get(30, TimeUnit.SECONDS).get(Topics.DLQ).partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(new TopicPartition(Topics.DLQ, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            kit.admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, o) -> delete.put(tp, RecordsToDelete.beforeOffset(o.offset())));
            kit.admin().deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
            DeadLetter kept = f.publishDeadLetters(1, "aud").get(0);

            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine("status=any"), ada).size() == 1);
            assertThat(bench.list(f.mine("status=any"), ada)).extracting(QueuedDeadLetter::id).containsExactly(kept.id());
            assertThat(bench.inspect(old.get(1).id(), ada)).isEmpty();
            assertThat(bench.summary(f.mine(), ada).total()).isEqualTo(1);
        }
    }
}
