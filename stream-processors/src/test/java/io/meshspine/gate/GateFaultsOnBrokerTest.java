package io.meshspine.gate;

import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.ops.HealthCheck;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.testkit.EmbeddedKafkaBroker;
import io.meshspine.testkit.HttpFaultProxy;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TcpProxy;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each class of infrastructure fault on the real broker and registry: an outage or a hang is waited out with the
 * gate's tasks (and their dedup state) alive, nothing dead-lettered, lost or doubled; a registry that refuses the gate
 * stops it with the reason in its health, never with dead letters.
 */
@ExtendWith(SpineExtension.class)
class GateFaultsOnBrokerTest {

    @Test
    void with_the_registry_hanging_longer_than_a_transaction_timeout_nothing_is_dead_lettered_and_the_tasks_stay_alive(SpineTestKit kit,
                                                                                                                   @TempDir Path state) {
        URI registry = URI.create(kit.registry().baseUrl());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (GateFixture f = new GateFixture(kit, "hang"); TcpProxy proxy = new TcpProxy(registry.getHost(), registry.getPort())) {
            GateConfig config = f.config(state, Map.of("registry.url", "http://127.0.0.1:" + proxy.port() + "/apis/registry/v3"));
            try (ContractGateService gate = ContractGateService.start(config, f.catalog(), meters, ProductTransform.NONE)) {
                sendGood(f, 0, 100);
                await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() == 100);
                // Every task initialised (each reads its dedup store back once) before the fault, so any later read is a re-creation.
                await().atMost(Duration.ofSeconds(60)).until(() -> restores(meters) == f.rawPartitions());
                long restores = restores(meters);

                proxy.hang();
                sendWithNewerSchema(f, 100, 200, "hang_points");
                // Kafka's default transaction timeout is 10 s: a record stuck that long used to abort the transaction and wipe the task.
                await("registry hanging for 20 s: nothing passes, nothing is dead-lettered")
                        .during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(30))
                        .until(() -> f.productRecords().size() == 100 && f.deadLetters().isEmpty() && gate.stoppedBecause().isEmpty()
                                && gate.state() != KafkaStreams.State.ERROR && gate.state() != KafkaStreams.State.PENDING_ERROR);

                proxy.resume();
                long resumed = System.nanoTime();
                await("everything arrives once the registry answers again").atMost(Duration.ofSeconds(60))
                        .until(() -> f.productRecords().size() >= 200);
                System.out.printf("gate recovered %d ms after the registry answered again, task restores during the fault: %d%n",
                        (System.nanoTime() - resumed) / 1_000_000, restores(meters) - restores);
                assertThat(restores(meters)).as("no task was re-created, so no dedup state was restored").isEqualTo(restores);
                assertThat(meters.get("spine.gate.transient.faults").counter().count()).isPositive();
            }
            assertThat(f.productRecords().stream().map(r -> r.get("transaction_id").toString()).distinct()).hasSize(200);
            assertThat(f.productRecords()).hasSize(200);
            assertThat(f.deadLetters()).isEmpty();
        }
    }

    @Test
    void a_registry_that_refuses_the_gate_stops_it_with_the_reason_in_its_health_and_nothing_dead_lettered(SpineTestKit kit, @TempDir Path state) {
        URI registry = URI.create(kit.registry().baseUrl());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (GateFixture f = new GateFixture(kit, "denied");
             HttpFaultProxy proxy = new HttpFaultProxy(URI.create("http://" + registry.getHost() + ":" + registry.getPort()))) {
            GateConfig config = f.config(state, Map.of("registry.url", proxy.baseUrl() + "/apis/registry/v3"));
            try (ContractGateService gate = ContractGateService.start(config, f.catalog(), meters, ProductTransform.NONE)) {
                HealthCheck health = gate.healthCheck();
                sendGood(f, 0, 50);
                await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() == 50);
                // Records flow as soon as their task runs; the client is RUNNING (UP) once every task is.
                await().atMost(Duration.ofSeconds(60)).until(() -> health.check().status() == HealthCheck.Status.UP);

                proxy.answerAll(401);
                sendWithNewerSchema(f, 50, 60, "denied_points");
                await("the gate stops on the 401").atMost(Duration.ofSeconds(60)).until(() -> gate.stoppedBecause().isPresent());
                HealthCheck.Result result = health.check();
                assertThat(result.status()).isEqualTo(HealthCheck.Status.FAILED);
                assertThat(result.detail()).contains("permanent").contains("401");
                assertThat(meters.get("spine.gate.stopped").tag("fault", "permanent").gauge().value()).isEqualTo(1.0);
                await().atMost(Duration.ofSeconds(30)).until(() -> gate.state() == KafkaStreams.State.ERROR
                        || gate.state() == KafkaStreams.State.NOT_RUNNING || gate.state() == KafkaStreams.State.PENDING_ERROR);
            }
            assertThat(f.productRecords()).hasSize(50);
            assertThat(f.deadLetters()).as("a refused gate is not the records' fault").isEmpty();
        }
    }

    @Test
    void with_the_broker_down_for_30_seconds_nothing_is_lost_doubled_or_dead_lettered(@TempDir Path state) {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            SpineTestKit kit = SpineTestKit.onOwnBroker(broker);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (GateFixture f = new GateFixture(kit, "brokerdown")) {
                try (ContractGateService gate = ContractGateService.start(f.config(state), f.catalog(), meters, ProductTransform.NONE)) {
                    sendGood(f, 0, 100);
                    await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() == 100);
                    long restores = restores(meters);

                    broker.stop();
                    long stopped = System.nanoTime();
                    await("broker down for 30 s").pollDelay(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(31)).until(() -> true);
                    broker.restart();
                    long restarted = System.nanoTime();
                    sendGood(f, 100, 200);
                    await("everything arrives after the broker is back").atMost(Duration.ofSeconds(120))
                            .until(() -> f.productRecords().size() >= 200);
                    System.out.printf("gate caught up %d ms after the broker restarted (%d s outage); task restores: %d%n",
                            (System.nanoTime() - restarted) / 1_000_000, (restarted - stopped) / 1_000_000_000, restores(meters) - restores);
                    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> f.productRecords().size() == 200);
                    assertThat(gate.stoppedBecause()).isEmpty();
                }
                List<String> ids = f.productRecords().stream().map(r -> r.get("transaction_id").toString()).toList();
                assertThat(ids).hasSize(200).doesNotHaveDuplicates();
                assertThat(f.deadLetters()).isEmpty();
            } finally {
                kit.closeAdmin();
            }
        }
    }

    private static long restores(SimpleMeterRegistry meters) {
        Timer restore = meters.find("spine.gate.dedup.restore").timer();
        return restore == null ? 0 : restore.count();
    }

    private static void sendGood(GateFixture f, int from, int to) {
        for (int i = from; i < to; i++) {
            f.send(f.encode(f.valid(i)));
        }
        f.producer.flush();
    }

    /** Records under a writer schema the gate has not seen, so it must ask the registry for it. */
    private static void sendWithNewerSchema(GateFixture f, int from, int to, String field) {
        Schema newer = GateFixture.withOptionalField(f.contract.avroSchema(), field, Schema.Type.LONG);
        long newerId = f.registry.contentIdFor(f.contract.domain(), ContractRegistrar.valueArtifact(f.contract.rawTopic()), newer);
        for (int i = from; i < to; i++) {
            f.send(WireFormat.encode(newerId, newer, GateFixture.copyInto(f.valid(i), newer)));
        }
        f.producer.flush();
    }

}
