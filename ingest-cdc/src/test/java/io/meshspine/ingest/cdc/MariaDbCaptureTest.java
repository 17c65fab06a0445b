package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(SpineExtension.class)
class MariaDbCaptureTest {

    private static final Contract SERVICES = ContractCatalog.fromClasspath().latest("accounts.services").orElseThrow();

    /** accounts.services in a fresh domain (own topics, own registry group), bound to {@code table}. */
    private static Contract freshContract(SpineTestKit kit, String table) {
        Contract c = ContractFixtures.inFreshDomain(SERVICES, "cdcmaria");
        Contract bound = new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(),
                c.classification(), c.avroSchema(), c.keys(), new SourceBinding.Cdc(CdcConnector.MARIADB, "accounts", Optional.empty(), table),
                c.pii(), c.rules(), c.slos(), c.sink(), c.compatibility(), c.location());
        kit.createTopic(bound.rawTopic(), 1);
        return bound;
    }

    private static long id(ChangeRecords.Change c) {
        return (Long) c.key().get("service_id");
    }

    @Test
    void snapshotRowsThenEveryChangeArrivesInOrderWithBeforeAndAfter_andARestartDeliversWhatChangedWhileStopped(SpineTestKit kit) {
        Contract contract = freshContract(kit, "services");
        ChangeRecords topic = new ChangeRecords(kit, contract);
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl())
                    .withDatabase(contract.id(), db.name()).withOffsetFlushInterval(Duration.ZERO);
            db.execute(db.insert("services", 1, "ACTIVE", "12.50"));

            try (CdcLane lane = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
                ChangeRecords.Change snapshot = topic.await(1).get(0);
                assertThat(snapshot.brief()).isEqualTo("r:1");
                assertThat(snapshot.after("start_dt")).isEqualTo((int) LocalDate.of(2024, 2, 29).toEpochDay());
                assertThat(decimal(snapshot.after("monthly_fee"))).isEqualByComparingTo("12.50");

                db.execute(db.insert("services", 2, "PENDING", "NULL"),
                        "UPDATE " + db.name() + ".services SET status = 'SUSPENDED', monthly_fee = 3.99 WHERE service_id = 1",
                        "DELETE FROM " + db.name() + ".services WHERE service_id = 2");
                db.transaction("INSERT INTO " + db.name() + ".services (service_id, account_id, service_code, status, start_dt)"
                                + " VALUES (3, 7, 'OVERDRAFT', 'PENDING', '2024-01-01'), (4, 7, 'ESTATEMENT', 'PENDING', '2024-01-01')",
                        "UPDATE " + db.name() + ".services SET status = 'ACTIVE' WHERE account_id = 7");

                List<ChangeRecords.Change> changes = topic.await(8).subList(1, 8);
                assertThat(changes).extracting(ChangeRecords.Change::brief)
                        .containsExactly("c:2", "u:1", "d:2", "c:3", "c:4", "u:3", "u:4");
                ChangeRecords.Change update = changes.get(1);
                assertThat(update.before("status")).hasToString("ACTIVE");
                assertThat(update.after("status")).hasToString("SUSPENDED");
                assertThat(decimal(update.before("monthly_fee"))).isEqualByComparingTo("12.50");
                assertThat(decimal(update.after("monthly_fee"))).isEqualByComparingTo("3.99");
                ChangeRecords.Change delete = changes.get(2);
                assertThat(delete.after()).isNull();
                assertThat(delete.before("status")).hasToString("PENDING");
                // Two rows of one statement share a binlog event: the row index keeps their positions apart.
                assertThat(changes.stream().map(ChangeRecords.Change::position).collect(Collectors.toSet())).hasSize(7);
                assertThat(changes).allSatisfy(c -> {
                    assertThat(c.position()).matches("mariadb:" + db.name() + ":[^:]+:\\d+:\\d+")
                            .isEqualTo("mariadb:" + db.name() + ":" + c.source().get("position"));
                    assertThat(c.sourceHeader()).isEqualTo("cdc");
                    assertThat(c.contractVersion()).isEqualTo("1");
                    assertThat(c.source().get("commit_time")).isNotNull();
                });
                assertThat(changes.get(3).position()).endsWith(":0");
                assertThat(changes.get(4).position()).endsWith(":1");
                assertThat(lane.state(contract.qualifiedName())).contains(CaptureState.RUNNING);
            }

            db.execute(db.insert("services", 5, "PENDING", "1.00"),
                    "UPDATE " + db.name() + ".services SET status = 'CLOSED' WHERE service_id = 3",
                    "DELETE FROM " + db.name() + ".services WHERE service_id = 4");
            try (CdcLane restarted = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
                List<ChangeRecords.Change> all = topic.await(11);
                assertThat(all).hasSize(11);
                assertThat(all.subList(8, 11)).extracting(ChangeRecords.Change::brief).containsExactly("c:5", "u:3", "d:4");
                assertThat(all.get(9).after("status")).hasToString("CLOSED");
            }
        }
    }

    @Test
    void aColumnTypeTheContractCannotReadStopsThatTablesCaptureWhileTheOtherTableGoesOn(SpineTestKit kit) {
        Contract broken = freshContract(kit, "services");
        Contract healthy = freshContract(kit, "services_b");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // The stopped table's later changes are dead-lettered: the DLQ must exist (as `./spine contracts provision` makes it),
        // or their publication waits for it, and the healthy table's changes of the same batch with it.
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(broken)).topics().stream()
                .filter(t -> t.name().equals(Topics.DLQ)).toList());
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            db.createServices("services_b");
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl())
                    .withDatabase(broken.id(), db.name()).withDatabase(healthy.id(), db.name())
                    .withSnapshotMode(SnapshotMode.INITIAL).withOffsetFlushInterval(Duration.ZERO);
            db.execute(db.insert("services", 1, "ACTIVE", "1.00"), db.insert("services_b", 1, "ACTIVE", "1.00"));
            try (CdcLane lane = CdcLane.start(config, List.of(broken, healthy), meters)) {
                new ChangeRecords(kit, broken).await(1);
                new ChangeRecords(kit, healthy).await(1);

                db.execute("ALTER TABLE " + db.name() + ".services MODIFY start_dt VARCHAR(10) NOT NULL",
                        db.insert("services", 2, "ACTIVE", "1.00"));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> lane.state(broken.qualifiedName()).orElseThrow() == CaptureState.STOPPED_INCOMPATIBLE);
                assertThat(lane.stopDetail(broken.qualifiedName()).orElseThrow()).contains("start_dt").contains("date");
                assertThat(meters.get("spine.cdc.capture.stopped").tag("contract", broken.qualifiedName())
                        .tag("reason", "incompatible_schema").gauge().value()).isEqualTo(1.0);

                db.execute(db.insert("services_b", 2, "PENDING", "2.00"));
                assertThat(new ChangeRecords(kit, healthy).await(2)).extracting(ChangeRecords.Change::brief).containsExactly("r:1", "c:2");
                assertThat(lane.state(healthy.qualifiedName())).contains(CaptureState.RUNNING);
                assertThat(new ChangeRecords(kit, broken).await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:1");
            }
        }
    }

    private static BigDecimal decimal(Object bytes) {
        ByteBuffer b = ((ByteBuffer) bytes).duplicate();
        byte[] unscaled = new byte[b.remaining()];
        b.get(unscaled);
        return new BigDecimal(new java.math.BigInteger(unscaled), 2);
    }
}
