package io.meshspine.gate;

import io.meshspine.core.SpineHeaders;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dedup on the real broker: across a restart that lost the gate's local state (passed and dead-lettered records alike),
 * and across a partition-count change.
 */
@ExtendWith(SpineExtension.class)
class GateDedupOnBrokerTest {

    private static final Instant YEARS_AGO = Instant.parse("2018-06-01T00:00:00Z");

    @Test
    void re_deliveries_after_a_restart_that_lost_the_local_state_are_dropped_whatever_their_timestamps(SpineTestKit kit,
                                                                                                      @TempDir Path first,
                                                                                                      @TempDir Path second) throws Exception {
        try (GateFixture f = new GateFixture(kit, "restart")) {
            Map<String, String> sameApp = Map.of("gate.application-id", SpineTestKit.uniqueName("gate-restart"));
            int n = 60;
            int bad = 6;
            try (ContractGateService gate = ContractGateService.start(f.config(first, sameApp), f.catalog(), new SimpleMeterRegistry(), ProductTransform.NONE)) {
                for (int i = 0; i < n; i++) {
                    send(f, i, stamp(i));
                }
                for (int j = 0; j < bad; j++) {
                    sendBad(f, j, stamp(j), false);
                }
                f.producer.flush();
                await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() == n && f.deadLetters().size() == bad);
            }
            // A new instance with an empty state directory: the identities come back from the store's changelog, those of
            // the dead-lettered records too, so a source re-delivering its bad records does not dead-letter them again.
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (ContractGateService gate = ContractGateService.start(f.config(second, sameApp), f.catalog(), meters, ProductTransform.NONE)) {
                for (int i = n - 1; i >= 0; i--) {
                    send(f, i, stamp(n - 1 - i)); // every record again, each with another record's timestamp
                }
                for (int j = 0; j < bad; j++) {
                    sendBad(f, j, stamp(j + 1), false);
                }
                send(f, n, YEARS_AGO);
                sendBad(f, 0, Instant.now(), true); // a steward's replay of the first dead letter, repaired
                f.producer.flush();
                await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() >= n + 2);
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> f.productRecords().size() == n + 2);
                assertThat(meters.get("spine.gate.dedup.identities.restored").counters().stream().mapToDouble(c -> c.count()).sum())
                        .as("identities read back from the changelog: passed and dead-lettered").isEqualTo(n + bad);
                assertThat(meters.find("spine.gate.records.deduplicated").tag("reason", "dead_lettered").counters().stream()
                        .mapToDouble(c -> c.count()).sum()).as("re-delivered bad records dropped").isEqualTo(bad);
            }
            assertThat(f.productRecords().stream().map(r -> r.get("transaction_id").toString()).toList()).hasSize(n + 2).doesNotHaveDuplicates();
            assertThat(f.deadLetters()).as("one dead letter per bad record, none for its re-delivery").hasSize(bad);
        }
    }

    @Test
    void after_partitions_are_added_to_a_raw_topic_the_gate_stops_loudly_instead_of_letting_re_deliveries_through(SpineTestKit kit,
                                                                                                              @TempDir Path state) throws Exception {
        try (GateFixture f = new GateFixture(kit, "repartition")) {
            int n = 40;
            // Metadata refreshed every second, so the gate's group notices the new partitions quickly.
            GateConfig config = f.config(state, Map.of("kafka.metadata.max.age.ms", "1000"));
            try (ContractGateService gate = ContractGateService.start(config, f.catalog(), new SimpleMeterRegistry(), ProductTransform.NONE)) {
                for (int i = 0; i < n; i++) {
                    send(f, i, Instant.now());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() == n);
                int before = kit.admin().describeTopics(List.of(f.contract.rawTopic())).allTopicNames().get().get(f.contract.rawTopic()).partitions().size();
                kit.admin().createPartitions(Map.of(f.contract.rawTopic(), NewPartitions.increaseTo(before * 2))).all().get();

                await("the gate stops: its dedup changelog no longer matches the raw topic's partitions")
                        .atMost(Duration.ofSeconds(60)).until(() -> gate.stoppedBecause().isPresent());
                assertThat(gate.stoppedBecause().orElseThrow()).startsWith("permanent fault").contains("invalid partitions");
                assertThat(gate.healthCheck().check().status()).isEqualTo(io.meshspine.core.ops.HealthCheck.Status.FAILED);

                // Re-deliveries from a source restarted after the change: none of them gets through the stopped gate.
                try (var later = new org.apache.kafka.clients.producer.KafkaProducer<>(kit.producerConfig(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                    for (int i = 0; i < n; i++) {
                        send(later, f, i, Instant.now());
                    }
                }
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> f.productRecords().size() == n);
            }
            assertThat(f.deadLetters()).isEmpty();
        }
    }

    private static Instant stamp(int i) {
        return switch (i % 3) {
            case 0 -> YEARS_AGO.plusSeconds(i);
            case 1 -> Instant.now().plus(Duration.ofMinutes(50)); // close to the broker's one-hour future limit
            default -> Instant.now();
        };
    }

    /** A file-lane record: keyed by its business key, identified by its source position. */
    private static RecordMetadata send(GateFixture f, int i, Instant timestamp) throws ExecutionException, InterruptedException {
        return send(f.producer, f, i, timestamp);
    }

    /**
     * A file-lane record that breaks the amount rule (its own business key and position); {@code repairedReplay}: the
     * steward's replay of its dead letter with the amount fixed (the original headers plus the replay headers).
     */
    private static void sendBad(GateFixture f, int j, Instant timestamp, boolean repairedReplay) throws ExecutionException, InterruptedException {
        var payment = f.valid(10_000 + j);
        payment.put("amount", io.meshspine.testkit.SamplePayments.money(repairedReplay ? "42.00" : "0.00"));
        payment.put("fee_amount", null);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(f.contract.rawTopic(), null, timestamp.toEpochMilli(),
                payment.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8), f.encode(payment));
        record.headers().add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8("file:0f1e2d:bad-" + j)).add(SpineHeaders.SOURCE, SpineHeaders.utf8("file"));
        if (repairedReplay) {
            record.headers().add(SpineHeaders.REPLAY_OF, SpineHeaders.utf8("dead-letter-of-bad-" + j)).add(SpineHeaders.REPLAY_COUNT, SpineHeaders.utf8("1"));
        }
        f.producer.send(record).get();
    }

    private static RecordMetadata send(org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer, GateFixture f, int i, Instant timestamp)
            throws ExecutionException, InterruptedException {
        var payment = f.valid(i);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(f.contract.rawTopic(), null, timestamp.toEpochMilli(),
                payment.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8), f.encode(payment));
        record.headers().add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8("file:0f1e2d:" + i)).add(SpineHeaders.SOURCE, SpineHeaders.utf8("file"));
        return producer.send(record).get();
    }
}
