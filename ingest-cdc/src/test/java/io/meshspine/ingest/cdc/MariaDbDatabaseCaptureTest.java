package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One engine (one binlog client, one schema history) per MariaDB server, whatever databases it reads; prerequisites checked at start. */
@ExtendWith(SpineExtension.class)
class MariaDbDatabaseCaptureTest {

    private static CdcConfig config(SpineTestKit kit, MariaDbTestDatabase db, List<Contract> contracts) {
        CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withOffsetFlushInterval(Duration.ZERO);
        for (Contract c : contracts) {
            config = config.withDatabase(c.id(), db.name());
        }
        return config;
    }

    @Test
    void twoTablesOfOneDatabaseAreReadByOneBinlogClient_andATableAddedLaterIsSnapshottedAloneThenStreamed(SpineTestKit kit) {
        Contract services = CdcContracts.services(kit, "services");
        Contract legacy = CdcContracts.services(kit, "services_legacy");
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            db.createServices("services_legacy");
            db.execute(db.insert("services", 1, "ACTIVE", "1.00"), db.insert("services_legacy", 10, "ACTIVE", "2.00"));
            CdcConfig config = config(kit, db, List.of(services, legacy));
            try (CdcLane lane = CdcLane.start(config, List.of(services, legacy), new SimpleMeterRegistry())) {
                assertThat(lane.sources()).containsExactly(new CaptureSource(CdcConnector.MARIADB, db.name()));
                new ChangeRecords(kit, services).await(1);
                new ChangeRecords(kit, legacy).await(1);
                db.transaction(db.insert("services", 2, "PENDING", "NULL"),
                        "UPDATE " + db.name() + ".services_legacy SET status = 'CLOSED' WHERE service_id = 10");
                assertThat(new ChangeRecords(kit, services).await(2)).extracting(ChangeRecords.Change::brief).containsExactly("r:1", "c:2");
                List<ChangeRecords.Change> l = new ChangeRecords(kit, legacy).await(2);
                assertThat(l).extracting(ChangeRecords.Change::brief).containsExactly("r:10", "u:10");
                assertThat(l.get(1).position()).startsWith("mariadb:" + db.name() + ":");
            }

            Contract added = CdcContracts.services(kit, "services_added");
            db.createServices("services_added");
            db.execute(db.insert("services_added", 100, "ACTIVE", "3.00"));
            CdcConfig widened = config.withDatabase(added.id(), db.name());
            try (CdcLane lane = CdcLane.start(widened, List.of(services, legacy, added), new SimpleMeterRegistry())) {
                // The row arrives by the table's own snapshot, and (the binlog being the server's, read from the stored
                // position on) as the insert it was while the lane was down.
                assertThat(new ChangeRecords(kit, added).await(2)).extracting(ChangeRecords.Change::brief)
                        .containsExactlyInAnyOrder("r:100", "c:100");
                db.execute(db.insert("services_added", 101, "PENDING", "NULL"), db.insert("services", 3, "PENDING", "NULL"));
                assertThat(new ChangeRecords(kit, added).await(3).get(2).brief()).isEqualTo("c:101");
                // The tables captured before were not snapshotted again.
                assertThat(new ChangeRecords(kit, services).await(3)).extracting(ChangeRecords.Change::brief).containsExactly("r:1", "c:2", "c:3");
                assertThat(lane.states().values()).containsOnly(CaptureState.RUNNING);
            }
        }
    }

    @Test
    void tablesOfTwoDatabasesOnOneServerAreReadByOneBinlogClient_whoseSignalTableLivesInTheLaneDatabase(SpineTestKit kit) throws Exception {
        Contract services = CdcContracts.services(kit, "services");
        Contract other = CdcContracts.services(kit, "services_elsewhere");
        try (MariaDbTestDatabase first = new MariaDbTestDatabase(); MariaDbTestDatabase second = new MariaDbTestDatabase()) {
            first.createServices("services");
            second.createServices("services_elsewhere");
            first.execute(first.insert("services", 1, "ACTIVE", "1.00"), second.insert("services_elsewhere", 20, "ACTIVE", "2.00"));
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withOffsetFlushInterval(Duration.ZERO)
                    .withDatabase(services.id(), first.name()).withDatabase(other.id(), second.name());
            String lane0 = first.name().compareTo(second.name()) < 0 ? first.name() : second.name();
            try (CdcLane lane = CdcLane.start(config, List.of(services, other), new SimpleMeterRegistry())) {
                // One engine for the server: it reads both databases and keeps its own tables in the first by name.
                assertThat(lane.sources()).containsExactly(new CaptureSource(CdcConnector.MARIADB, lane0,
                        java.util.stream.Stream.of(first.name(), second.name()).sorted().toList()));
                new ChangeRecords(kit, services).await(1);
                new ChangeRecords(kit, other).await(1);
                // One transaction across both databases: both changes arrive, each in its own raw topic.
                first.transaction(first.insert("services", 2, "PENDING", "NULL"),
                        "UPDATE " + second.name() + ".services_elsewhere SET status = 'CLOSED' WHERE service_id = 20");
                assertThat(new ChangeRecords(kit, services).await(2)).extracting(ChangeRecords.Change::brief).containsExactly("r:1", "c:2");
                List<ChangeRecords.Change> elsewhere = new ChangeRecords(kit, other).await(2);
                assertThat(elsewhere).extracting(ChangeRecords.Change::brief).containsExactly("r:20", "u:20");
                assertThat(elsewhere.get(1).position()).startsWith("mariadb:" + second.name() + ":");
                // An on-demand snapshot of the other database's table goes through the one signal table.
                SnapshotRequest request = SnapshotRequest.of(config, List.of(services, other), other, Optional.empty());
                assertThat(request.source().database()).isEqualTo(lane0);
                request.send(config.mariadb());
                assertThat(new ChangeRecords(kit, other).await(3).get(2).brief()).isEqualTo("r:20");
                assertThat(lane.states().values()).containsOnly(CaptureState.RUNNING);
            }
        }
    }

    @Test
    void aTableWithoutAKeyIsRefusedNamingTheFix_andAUserWithoutReplicationGrantsIsRefusedForTheDatabase(SpineTestKit kit) {
        Contract keyed = CdcContracts.services(kit, "services");
        Contract unkeyed = CdcContracts.services(kit, "services_unkeyed");
        String user = SpineTestKit.uniqueName("cdc_ro").replace('-', '_').toLowerCase();
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            db.execute("CREATE TABLE " + db.name() + ".services_unkeyed (service_id BIGINT NOT NULL, account_id BIGINT NOT NULL, "
                            + "service_code VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, start_dt DATE NOT NULL)",
                    db.insert("services", 1, "ACTIVE", "1.00"));
            CdcConfig config = config(kit, db, List.of(keyed, unkeyed));
            try (CdcLane lane = CdcLane.start(config, List.of(keyed, unkeyed), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(unkeyed.qualifiedName()).orElseThrow() == CaptureState.FAILED);
                assertThat(lane.stopDetail(unkeyed.qualifiedName()).orElseThrow()).contains(db.name() + ".services_unkeyed")
                        .contains("ALTER TABLE " + db.name() + ".services_unkeyed ADD PRIMARY KEY (service_id)");
                assertThat(new ChangeRecords(kit, keyed).await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:1");
            }

            db.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw-not-logged'", "GRANT SELECT ON " + db.name() + ".* TO '" + user + "'@'%'");
            try {
                CdcConfig readOnly = config.withMariaDb(SourceConnection.localMariaDb().withUser(user, "pw-not-logged"));
                try (CdcLane lane = CdcLane.start(readOnly, List.of(keyed), new SimpleMeterRegistry())) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(keyed.qualifiedName()).orElseThrow() == CaptureState.FAILED);
                    assertThat(lane.stopDetail(keyed.qualifiedName()).orElseThrow())
                            .contains("lacks REPLICATION SLAVE, BINLOG MONITOR, RELOAD, SHOW DATABASES, LOCK TABLES")
                            .contains("GRANT REPLICATION SLAVE")
                            .doesNotContain("pw-not-logged");
                }
            } finally {
                db.execute("DROP USER IF EXISTS '" + user + "'@'%'");
            }
        }
    }
}
