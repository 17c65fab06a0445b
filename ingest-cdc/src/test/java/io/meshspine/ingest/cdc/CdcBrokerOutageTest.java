package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.testkit.EmbeddedKafkaBroker;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Finding 5 of the chaos run (docs/reliability.md): a broker outage while a capture starts stopped its Debezium engine
 * (offset store, schema history or snapshot timing out) and with it the stage for good. Now the engine is started
 * again with back-off while the fault lasts (state RETRYING, the cause in the detail, restarts counted), and once the
 * broker is back every row and change reaches the raw topic, each with its own position.
 */
@ExtendWith(SpineExtension.class)
class CdcBrokerOutageTest {

    @Test
    void mariadb_aCaptureStartedDuringABrokerOutageRetriesThenDeliversEveryRowAndChange() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            SpineTestKit kit = SpineTestKit.onOwnBroker(broker);
            try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
                Contract contract = CdcContracts.services(kit, "services");
                db.createServices("services");
                for (int id = 1; id <= 5; id++) {
                    db.execute(db.insert("services", id, "ACTIVE", "1.00"));
                }
                CdcConfig config = CdcLaneCrashTest.config(kit.bootstrapServers(), kit.registryUrl(), contract, db.name());
                startDuringAnOutage(kit, broker, contract, config, () -> db.execute(
                        db.insert("services", 6, "PENDING", "NULL"),
                        "UPDATE " + db.name() + ".services SET status = 'SUSPENDED' WHERE service_id = 1",
                        "DELETE FROM " + db.name() + ".services WHERE service_id = 2"), () -> db.execute(
                        db.insert("services", 7, "PENDING", "NULL"),
                        "UPDATE " + db.name() + ".services SET status = 'CLOSED' WHERE service_id = 3",
                        "DELETE FROM " + db.name() + ".services WHERE service_id = 4"), Set.of("1", "3", "4", "5", "6"));
            } finally {
                kit.closeAdmin();
            }
        }
    }

    @Test
    void postgres_aCaptureStartedDuringABrokerOutageRetriesThenDeliversEveryRowAndChange() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            SpineTestKit kit = SpineTestKit.onOwnBroker(broker);
            try (PostgresTestDatabase db = new PostgresTestDatabase()) {
                Contract contract = CdcContracts.customers(kit, "customers");
                CdcConfig config = CdcLaneCrashTest.config(kit.bootstrapServers(), kit.registryUrl(), contract, db.name());
                db.dropsSlot(io.meshspine.ingest.cdc.internal.ConnectorProperties.slotName(config, contract));
                db.execute("INSERT INTO public.customers (customer_id, first_name, last_name) SELECT 'S' || i, 'Seed', 'Row' "
                        + "FROM generate_series(1, 5) i");
                startDuringAnOutage(kit, broker, contract, config, () -> db.execute(
                        "INSERT INTO public.customers (customer_id, first_name, last_name) VALUES ('S6', 'New', 'Row')",
                        "UPDATE public.customers SET segment = 'RETAIL' WHERE customer_id = 'S1'",
                        "DELETE FROM public.customers WHERE customer_id = 'S2'"), () -> db.execute(
                        "INSERT INTO public.customers (customer_id, first_name, last_name) VALUES ('S7', 'New', 'Row')",
                        "UPDATE public.customers SET segment = 'RETAIL' WHERE customer_id = 'S3'",
                        "DELETE FROM public.customers WHERE customer_id = 'S4'"), Set.of("S1", "S3", "S4", "S5", "S6"));
            } finally {
                kit.closeAdmin();
            }
        }
    }

    /**
     * Five rows before the start and three changes while the engine waits for the broker (the snapshot, taken once the
     * broker is back, reads the rows as they are then: five), then three changes streamed: eight records in all.
     */
    private static void startDuringAnOutage(SpineTestKit kit, EmbeddedKafkaBroker broker, Contract contract, CdcConfig config,
                                            Runnable whileWaiting, Runnable afterRecovery, Set<String> snapshotIds) {
        String name = contract.qualifiedName();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        broker.stop();
        long stopped = System.nanoTime();
        try (CdcLane lane = CdcLane.start(config, List.of(contract), meters)) {
            await("the engine stopped by the outage, waiting to start again").atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(200)).until(() -> lane.state(name).orElseThrow() == CaptureState.RETRYING);
            assertThat(lane.stopDetail(name)).hasValueSatisfying(d -> assertThat(d).contains("transient fault").contains("Exception"));
            whileWaiting.run();
            long retrying = System.nanoTime();
            broker.restart();
            long restarted = System.nanoTime();

            ChangeRecords decoder = new ChangeRecords(kit, contract);
            try (TopicReader raw = new TopicReader(kit, contract.rawTopic())) {
                await("the snapshot after the broker is back").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200)).until(() -> identities(raw, decoder).size() >= 5
                                && lane.state(name).orElseThrow() == CaptureState.RUNNING);
                afterRecovery.run();
                await("three changes streamed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> identities(raw, decoder).size() >= 8);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> raw.drain().size() == raw.poll().size());
                List<ChangeRecords.Change> all = raw.drain().stream().map(decoder::decode).toList();
                assertThat(identities(raw, decoder)).as("five snapshot reads and three changes, each once by position").hasSize(8);
                assertThat(all.stream().filter(c -> c.op().equals("r")).map(ChangeRecords.Change::id).collect(Collectors.toSet()))
                        .as("the snapshot reads the rows as the changes made while waiting left them").isEqualTo(snapshotIds);
                assertThat(all.stream().map(ChangeRecords.Change::op).collect(Collectors.toSet())).isEqualTo(Set.of("r", "c", "u", "d"));
                System.out.printf("%s broker outage at start: engine RETRYING after %d ms, %.0f restarts, caught up %d ms after the broker "
                                + "restarted (%d records, %d distinct)%n", name, (retrying - stopped) / 1_000_000, restarts(meters),
                        (System.nanoTime() - restarted) / 1_000_000, all.size(), identities(raw, decoder).size());
            }
            assertThat(restarts(meters)).as("spine_cdc_engine_restarts_total").isPositive();
            assertThat(lane.stopDetail(name)).isEmpty();
        }
    }

    /** What the gate deduplicates on: position and key. */
    private static Set<String> identities(TopicReader raw, ChangeRecords decoder) {
        return raw.drain().stream().map(decoder::decode).map(c -> c.position() + "|" + c.id()).collect(Collectors.toSet());
    }

    private static double restarts(SimpleMeterRegistry meters) {
        return meters.find("spine.cdc.engine.restarts").counters().stream().mapToDouble(Counter::count).sum();
    }
}
