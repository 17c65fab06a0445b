package io.meshspine.dlq;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.EmbeddedKafkaBroker;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A workbench started while its broker does not answer waits for it (a passing fault), then serves the queue. */
@ExtendWith(SpineExtension.class)
class BrokerDownAtStartTest {

    @Test
    void a_workbench_started_during_a_broker_outage_waits_for_the_broker_then_serves_the_queue() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            SpineTestKit kit = SpineTestKit.onOwnBroker(broker);
            try (PaymentsFixture f = new PaymentsFixture(kit, "brokerwait")) {
                List<DeadLetter> letters = f.publishDeadLetters(2, "ZZZ");
                broker.stop();
                CompletableFuture<DlqWorkbench> opening = CompletableFuture.supplyAsync(() -> DlqWorkbench.open(f.config(), f.catalog));
                await("the start waits while the broker is down").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                        .until(() -> !opening.isDone());
                broker.restart();
                try (DlqWorkbench bench = opening.get(f.config().brokerTimeout().multipliedBy(DlqWorkbench.BROKER_WAIT_TIMEOUTS + 1).toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                    Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
                    await().atMost(Duration.ofSeconds(30)).until(() -> bench.list(f.mine(), sam).size() == 2);
                    assertThat(bench.list(f.mine(), sam)).extracting(q -> q.letter().id())
                            .containsExactlyInAnyOrderElementsOf(letters.stream().map(DeadLetter::id).toList());
                }
            } finally {
                kit.closeAdmin();
            }
        }
    }
}
