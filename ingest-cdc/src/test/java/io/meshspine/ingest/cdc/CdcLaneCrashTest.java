package io.meshspine.ingest.cdc;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ingest JVM killed (SIGKILL) while a transaction of many rows streams to the raw topic, then started again:
 * every change arrives, a change delivered twice carries the same source position both times, and the real contract
 * gate run over the raw topic passes each change to the product topic once (its dedup drops the re-deliveries).
 */
@ExtendWith(SpineExtension.class)
class CdcLaneCrashTest {

    private static final int BIG_TRANSACTION = 20_000;
    private static final int SEEDED = 10;

    /** The lane's settings, the same in the child and in the restarted lane: offsets stored every 500 ms. */
    static CdcConfig config(String bootstrap, String registry, Contract contract, String database) {
        return CdcConfig.defaults(bootstrap, registry).withDatabase(contract.id(), database)
                .withOffsetFlushInterval(Duration.ofMillis(500)).withHeartbeatInterval(Duration.ofSeconds(1));
    }

    @Test
    void postgres_aLaneKilledMidTransactionDeliversEveryChangeAfterRestart_reDeliveriesWithTheSamePositions(SpineTestKit kit,
                                                                                                          @TempDir Path scratch)
            throws Exception {
        Contract contract = CdcContracts.customers(kit, "customers");
        try (PostgresTestDatabase db = new PostgresTestDatabase(); Positions raw = new Positions(kit, contract.rawTopic())) {
            CdcConfig config = config(kit.bootstrapServers(), kit.registryUrl(), contract, db.name());
            db.dropsSlot(ConnectorProperties.slotName(config, contract));
            db.execute("INSERT INTO public.customers (customer_id, first_name, last_name) SELECT 'S' || i, 'Seed', 'Row' "
                    + "FROM generate_series(1, " + SEEDED + ") i");
            String bigTransaction = "INSERT INTO public.customers (customer_id, first_name, last_name, email) SELECT 'T' || i, 'Big', "
                    + "'Transaction', 'row' || i || '@example.com' FROM generate_series(1, " + BIG_TRANSACTION + ") i";
            String whileDown = "UPDATE public.customers SET segment = 'RETAIL' WHERE customer_id IN ('S1', 'S2', 'S3')";
            killMidStreamAndRestart(kit, scratch, raw, contract, config, CdcConnector.POSTGRES, "customers", db.name(),
                    () -> db.transaction(bigTransaction), () -> db.execute(whileDown));
        }
    }

    @Test
    void mariadb_aLaneKilledMidTransactionDeliversEveryChangeAfterRestart_reDeliveriesWithTheSamePositions(SpineTestKit kit,
                                                                                                        @TempDir Path scratch)
            throws Exception {
        Contract contract = CdcContracts.services(kit, "services");
        try (MariaDbTestDatabase db = new MariaDbTestDatabase(); Positions raw = new Positions(kit, contract.rawTopic())) {
            db.createServices("services");
            CdcConfig config = config(kit.bootstrapServers(), kit.registryUrl(), contract, db.name());
            String series = "(SELECT seq AS i FROM " + db.name() + ".seq_1_to_" + BIG_TRANSACTION + ")";
            db.execute("INSERT INTO " + db.name() + ".services (service_id, account_id, service_code, status, start_dt) "
                    + "SELECT seq, 1, 'CARD', 'ACTIVE', '2024-01-01' FROM " + db.name() + ".seq_1_to_" + SEEDED);
            String bigTransaction = "INSERT INTO " + db.name() + ".services (service_id, account_id, service_code, status, start_dt) "
                    + "SELECT 1000 + s.i, 2, 'OVERDRAFT', 'PENDING', '2024-01-01' FROM " + series + " s";
            String whileDown = "UPDATE " + db.name() + ".services SET status = 'CLOSED' WHERE service_id IN (1, 2, 3)";
            killMidStreamAndRestart(kit, scratch, raw, contract, config, CdcConnector.MARIADB, "services", db.name(),
                    () -> db.transaction(bigTransaction), () -> db.execute(whileDown));
        }
    }

    private static void killMidStreamAndRestart(SpineTestKit kit, Path scratch, Positions raw, Contract contract, CdcConfig config,
                                                CdcConnector connector, String table, String database, Runnable bigTransaction,
                                                Runnable whileDown) throws Exception {
        Process child = new ProcessBuilder(ChildJvm.command(scratch.resolve("jvm-tmp"), List.of("-Xmx384m"), CdcLaneChild.class.getName(),
                kit.bootstrapServers(), kit.registryUrl(), connector.configValue(), contract.domain(), table, database))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(scratch.resolve("child.log").toFile()))
                .start();
        int atKill;
        try {
            await("the snapshot in the child").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> raw.poll() >= SEEDED);
            bigTransaction.run();
            await("part of the big transaction on the raw topic").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
                    .until(() -> raw.poll() >= SEEDED + 1_000);
            child.destroyForcibly();
            child.waitFor();
            atKill = raw.poll();
        } finally {
            child.destroyForcibly();
        }
        assertThat(atKill).as("killed mid-transaction").isLessThan(SEEDED + BIG_TRANSACTION);
        whileDown.run();

        int expected = SEEDED + BIG_TRANSACTION + 3;
        try (CdcLane restarted = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
            await("every change after the restart").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> raw.poll() >= expected && raw.distinctPositions() >= expected);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> raw.poll() == raw.count);
        }
        assertThat(raw.distinctPositions()).as("every change, and re-deliveries with the positions they first had").isEqualTo(expected);
        int reDelivered = raw.count - raw.distinctPositions();

        // The gate over everything the raw topic holds: each change passes (or is dead-lettered) once, re-deliveries are dropped.
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.role() == TopicRole.PRODUCT || t.name().equals(Topics.DLQ)).toList());
        SimpleMeterRegistry gateMeters = new SimpleMeterRegistry();
        GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "privacy.encrypt-dead-letters", "false", "gate.hash-key", "cdc-crash-spec-hash-key-0123456789", "gate.state-dir", scratch.resolve("gate").toString(),
                "gate.application-id", SpineTestKit.uniqueName("gate")));
        try (Positions product = new Positions(kit, contract.productTopic());
             ContractGateService gate = ContractGateService.start(gateConfig, ContractCatalog.of(List.of(contract)), gateMeters, ProductTransform.NONE)) {
            await("the gate through the raw topic").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> sum(gateMeters, "spine.gate.records.in") >= raw.count);
            await("the gate's output committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> product.poll() + sum(gateMeters, "spine.gate.records.dead.lettered") >= expected);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> product.poll() == product.count);
            assertThat(product.count).as("no change twice in the product topic").isEqualTo(product.distinctPositions());
            assertThat(product.count + (int) sum(gateMeters, "spine.gate.records.dead.lettered")).as("every change once, passed or dead-lettered")
                    .isEqualTo(expected);
            assertThat(sum(gateMeters, "spine.gate.records.deduplicated")).as("the re-deliveries dropped").isGreaterThanOrEqualTo(reDelivered);
        }
        System.out.printf("%s crash: %d on the raw topic at the kill, %d records after restart, %d re-delivered with the same position, "
                        + "dropped by the gate%n", connector.configValue(), atKill, raw.count, reDelivered);
    }

    private static double sum(SimpleMeterRegistry meters, String name) {
        return meters.find(name).counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /**
     * Reads a raw topic keeping each change's identity as the gate deduplicates it: source position and business key
     * (snapshot reads share their snapshot's position, streamed changes each have their own). A re-delivery with another
     * position would be one identity too many.
     */
    private static final class Positions implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Set<String> identities = new HashSet<>();
        int count;

        Positions(SpineTestKit kit, String topic) {
            consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("positions")), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        synchronized int poll() {
            for (int i = 0; i < 100; i++) {
                var batch = consumer.poll(Duration.ofMillis(50));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    String position = SpineHeaders.string(r.headers().lastHeader(SpineHeaders.SOURCE_POSITION).value());
                    identities.add(position + "|" + Base64.getEncoder().encodeToString(r.key()));
                    count++;
                }
                if (batch.isEmpty()) {
                    break;
                }
            }
            return count;
        }

        synchronized int distinctPositions() {
            return identities.size();
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
