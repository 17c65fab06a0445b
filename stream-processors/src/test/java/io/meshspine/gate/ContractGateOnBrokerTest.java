package io.meshspine.gate;

import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TcpProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The gate against the real broker and registry: every record accounted for, exactly once, through crashes and outages. */
@ExtendWith(SpineExtension.class)
class ContractGateOnBrokerTest {

    @Test
    void a_mixed_stream_ends_with_every_good_record_once_and_every_bad_one_dead_lettered_once(SpineTestKit kit, @TempDir Path state,
                                                                                               @TempDir Path lineage) {
        Path events = lineage.resolve("events.jsonl");
        try (GateFixture f = new GateFixture(kit, "mixed")) {
            int good = 300;
            List<byte[]> goodValues = new ArrayList<>();
            for (int i = 0; i < good; i++) {
                goodValues.add(f.encode(f.valid(i)));
            }
            Schema wrong = SchemaBuilder.record("Transaction").namespace(f.contract.avroSchema().getNamespace())
                    .fields().requiredString("account_number").endRecord();
            GenericRecord wrongRecord = new GenericData.Record(wrong);
            wrongRecord.put("account_number", "062-000 1");
            long wrongId = f.registry.contentIdFor(f.contract.domain(), "mixed-wrong-" + System.nanoTime(), wrong);

            int sent = 0;
            int duplicates = 0;
            for (int i = 0; i < good; i++) {
                f.send(goodValues.get(i));
                sent++;
                if (i % 6 == 0) {
                    f.send(goodValues.get(i / 2));
                    sent++;
                    duplicates++;
                }
                if (i % 30 == 0) {
                    f.send(null);
                    f.send(new byte[0]);
                    f.send("not avro".getBytes(StandardCharsets.UTF_8));
                    f.send(WireFormat.encode(999_999, f.contract.avroSchema(), f.valid(10_000 + i)));
                    f.send(WireFormat.encode(wrongId, wrong, wrongRecord));
                    GenericRecord bad = f.valid(20_000 + i);
                    bad.put("amount", SamplePayments.money("0.00"));
                    bad.put("fee_amount", null);
                    f.send(f.encode(bad));
                    GenericRecord explode = f.valid(30_000 + i);
                    explode.put("merchant_name", "EXPLODE");
                    f.send(f.encode(explode));
                    sent += 7;
                }
            }
            f.producer.flush();
            int badKinds = 7 * 10;

            ProductTransform failing = (contract, record) -> {
                if ("EXPLODE".equals(String.valueOf(record.get("merchant_name")))) {
                    throw new IllegalStateException("enrichment failed");
                }
                return record;
            };
            var withLineage = f.config(state, Map.of("lineage.transport", "file", "lineage.file", events.toString(),
                    "lineage.running-interval", "2s"));
            try (ContractGateService gate = ContractGateService.start(withLineage, f.catalog(), new SimpleMeterRegistry(), failing)) {
                await("all records accounted for").atMost(Duration.ofSeconds(90))
                        .until(() -> f.productRecords().size() >= good && f.deadLetters().size() >= badKinds);
                // Nothing more arrives after everything was accounted for.
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                        .until(() -> f.productRecords().size() == good && f.deadLetters().size() == badKinds);
            }

            List<GenericRecord> products = f.productRecords();
            List<DeadLetter> letters = f.deadLetters();
            assertThat(products.stream().map(r -> r.get("transaction_id").toString()).distinct()).hasSize(good);
            assertThat(products).allSatisfy(r -> assertThat(r.get("customer_id").toString()).hasSize(64).doesNotStartWith("C"));
            Map<FailureType, Long> byType = letters.stream().collect(Collectors.groupingBy(DeadLetter::failureType, Collectors.counting()));
            assertThat(byType).containsEntry(FailureType.DESERIALIZATION, 40L).containsEntry(FailureType.SCHEMA, 10L)
                    .containsEntry(FailureType.RULE, 10L).containsEntry(FailureType.PROCESSING, 10L);
            assertThat(letters.stream().map(DeadLetter::id).distinct()).hasSize(letters.size());
            assertThat(letters).filteredOn(d -> d.failureType() == FailureType.RULE)
                    .allSatisfy(d -> assertThat(d.ruleIds()).containsExactly("amount-in-range"));
            // in = passed + dead-lettered + dropped duplicates, every count read from the topics.
            assertThat(sent).isEqualTo(products.size() + letters.size() + duplicates);

            // Lineage: the gate's interval runs add up to what the topics hold, and every product record names its interval.
            GateRuns.assertIntervalsMatch(events, f.contract, kit, sent, good, badKinds,
                    Map.of("amount-in-range", 10L, "DESERIALIZATION", 40L, "SCHEMA", 10L, "PROCESSING", 10L));
        }
    }

    @Test
    void killing_the_gate_mid_stream_loses_and_duplicates_nothing(SpineTestKit kit, @TempDir Path state, @TempDir Path contracts) throws Exception {
        try (GateFixture f = new GateFixture(kit, "crash")) {
            f.writeContractsTree(contracts);
            String applicationId = SpineTestKit.uniqueName("gate-crash");
            int good = 4000;
            Thread producer = new Thread(() -> {
                for (int i = 0; i < good; i++) {
                    byte[] value = f.encode(f.valid(i));
                    f.send(value);
                    if (i % 10 == 0) {
                        f.send(value);
                    }
                    if (i % 200 == 0) {
                        f.producer.flush();
                    }
                }
                f.producer.flush();
            }, "crash-test-producer");

            Process first = startGateJvm(kit, applicationId, state, contracts);
            Process second = null;
            try {
                producer.start();
                await("the first gate writes part of the stream").atMost(Duration.ofSeconds(90))
                        .until(() -> f.productRecords().size() >= 400);
                first.destroyForcibly();
                first.waitFor();
                assertThat(f.productRecords().size()).as("killed mid-stream").isLessThan(good);

                second = startGateJvm(kit, applicationId, state, contracts);
                producer.join();
                await("the second gate finishes the stream").atMost(Duration.ofSeconds(180))
                        .until(() -> f.productRecords().size() >= good);
                Process running = second;
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                        .until(() -> running.isAlive() && f.productRecords().size() == good);
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroy();
                    second.waitFor();
                }
            }
            List<String> ids = f.productRecords().stream().map(r -> r.get("transaction_id").toString()).toList();
            assertThat(ids).hasSize(good).doesNotHaveDuplicates();
            assertThat(f.deadLetters()).isEmpty();
        }
    }

    @Test
    void with_the_registry_unreachable_for_30_seconds_nothing_is_dead_lettered_and_everything_arrives_after(SpineTestKit kit,
                                                                                                          @TempDir Path state) {
        URI registry = URI.create(kit.registry().baseUrl());
        try (GateFixture f = new GateFixture(kit, "outage"); TcpProxy proxy = new TcpProxy(registry.getHost(), registry.getPort())) {
            GateConfig config = f.config(state, java.util.Map.of("registry.url", "http://127.0.0.1:" + proxy.port() + "/apis/registry/v3"));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (ContractGateService gate = ContractGateService.start(config, f.catalog(), meters, ProductTransform.NONE)) {
                for (int i = 0; i < 100; i++) {
                    f.send(f.encode(f.valid(i)));
                }
                f.producer.flush();
                await().atMost(Duration.ofSeconds(60)).until(() -> f.productRecords().size() == 100);
                await().atMost(Duration.ofSeconds(60)).until(() -> meters.find("spine.gate.dedup.restore").timer() != null
                        && meters.find("spine.gate.dedup.restore").timer().count() == f.rawPartitions());
                long restores = meters.get("spine.gate.dedup.restore").timer().count();

                proxy.cut();
                // A producer moves to a newer (compatible) writer schema while the gate cannot reach the registry.
                Schema newer = GateFixture.withOptionalField(f.contract.avroSchema(), "loyalty_points", Schema.Type.LONG);
                long newerId = f.registry.contentIdFor(f.contract.domain(), ContractRegistrar.valueArtifact(f.contract.rawTopic()), newer);
                for (int i = 100; i < 200; i++) {
                    GenericRecord r = GateFixture.copyInto(f.valid(i), newer);
                    r.put("loyalty_points", 42L);
                    f.send(WireFormat.encode(newerId, newer, r));
                }
                f.producer.flush();
                await("registry down for 30 s: nothing passes, nothing is dead-lettered")
                        .during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40))
                        .until(() -> f.productRecords().size() == 100 && f.deadLetters().isEmpty()
                                && gate.state() != KafkaStreams.State.ERROR);

                proxy.resume();
                long resumed = System.nanoTime();
                await("everything arrives once the registry is back").atMost(Duration.ofSeconds(60))
                        .until(() -> f.productRecords().size() >= 200);
                System.out.printf("gate recovered %d ms after a 30 s registry outage ended%n", (System.nanoTime() - resumed) / 1_000_000);
                assertThat(meters.get("spine.gate.dedup.restore").timer().count())
                        .as("the tasks waited the outage out: none was re-created, so no dedup state was restored").isEqualTo(restores);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> f.productRecords().size() == 200);
            }
            assertThat(f.productRecords().stream().map(r -> r.get("transaction_id").toString()).distinct()).hasSize(200);
            assertThat(f.deadLetters()).isEmpty();
        }
    }

    static Process startGateJvm(SpineTestKit kit, String applicationId, Path state, Path contracts) throws Exception {
        Path config = contracts.resolve("gate.properties");
        java.nio.file.Files.writeString(config, String.join("\n",
                "kafka.bootstrap.servers=" + kit.bootstrapServers(), "registry.url=" + kit.registryUrl(),
                "contracts.dir=" + contracts, "gate.application-id=" + applicationId, "gate.state-dir=" + state,
                // Static membership: the restarted gate takes its partitions back without waiting out the session timeout.
                "gate.instance-id=" + applicationId + "-instance") + "\n");
        ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(contracts.resolve("jvm-tmp"), List.of("-Xmx384m"),
                ContractGateMain.class.getName(), "--config", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(contracts.resolve("gate.log").toFile()));
        builder.environment().put("SPINE_GATE_HASH_KEY", new String(GateFixture.HASH_KEY, StandardCharsets.UTF_8));
        return builder.start();
    }



}
