package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One engine per PostgreSQL database: one slot and one publication for all its tables, heartbeats, TOAST, prerequisites. */
@ExtendWith(SpineExtension.class)
class PostgresDatabaseCaptureTest {

    private static CdcConfig config(SpineTestKit kit, PostgresTestDatabase db, List<Contract> contracts) {
        CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withOffsetFlushInterval(Duration.ZERO);
        for (Contract c : contracts) {
            config = config.withDatabase(c.id(), db.name());
        }
        db.dropsSlot(ConnectorProperties.slotName(config, contracts.get(0)));
        return config;
    }

    @Test
    void twoTablesOfOneDatabaseShareOneSlotAndOnePublication_eachChangeReachesItsOwnContractsRawTopic(SpineTestKit kit) {
        Contract customers = CdcContracts.customers(kit, "customers");
        Contract prospects = CdcContracts.customers(kit, "prospects");
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            db.execute(PostgresTestDatabase.customersDdl("prospects"),
                    PostgresTestDatabase.insertInto("customers", "C1", "Ada", "Lovelace", "ada@example.com"),
                    PostgresTestDatabase.insertInto("prospects", "P1", "Alan", "Turing", "alan@example.com"));
            CdcConfig config = config(kit, db, List.of(customers, prospects));
            String slot = ConnectorProperties.slotName(config, customers);
            assertThat(ConnectorProperties.slotName(config, prospects)).isEqualTo(slot);
            try (CdcLane lane = CdcLane.start(config, List.of(customers, prospects), new SimpleMeterRegistry())) {
                assertThat(new ChangeRecords(kit, customers).await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:C1");
                assertThat(new ChangeRecords(kit, prospects).await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:P1");
                assertThat(lane.sources()).containsExactly(new CaptureSource(io.meshspine.core.contract.CdcConnector.POSTGRES, db.name()));

                db.transaction(PostgresTestDatabase.insertInto("prospects", "P2", "Grace", "Hopper", "grace@example.com"),
                        "UPDATE public.customers SET email = 'ada@lovelace.example' WHERE customer_id = 'C1'",
                        "DELETE FROM public.prospects WHERE customer_id = 'P1'");

                List<ChangeRecords.Change> c = new ChangeRecords(kit, customers).await(2);
                List<ChangeRecords.Change> p = new ChangeRecords(kit, prospects).await(3);
                assertThat(c).extracting(ChangeRecords.Change::brief).containsExactly("r:C1", "u:C1");
                assertThat(p).extracting(ChangeRecords.Change::brief).containsExactly("r:P1", "c:P2", "d:P1");
                assertThat(c.get(1).source().get("table")).hasToString("customers");
                assertThat(p.get(1).source().get("table")).hasToString("prospects");
                // One transaction of one database: one transaction id across both tables, positions in the database's one log.
                assertThat(String.valueOf(c.get(1).source().get("tx_id"))).isEqualTo(String.valueOf(p.get(1).source().get("tx_id")));
                assertThat(List.of(c.get(1), p.get(1), p.get(2))).allSatisfy(change ->
                        assertThat(change.position()).isEqualTo("postgres:" + db.name() + ":" + change.source().get("position")));

                assertThat(db.slotsOnServer()).containsExactly(slot);
                assertThat(db.publicationTables(slot)).containsExactly("public.customers", "public.prospects",
                        "public.spine_cdc_heartbeat", "public.spine_cdc_signal");
                assertThat(lane.states()).containsEntry(customers.qualifiedName(), CaptureState.RUNNING)
                        .containsEntry(prospects.qualifiedName(), CaptureState.RUNNING);
            }

            // A contract for another table of the same database joins the same engine, slot and publication: that table
            // alone is snapshotted (incrementally, through the signal table), then streamed.
            Contract leads = CdcContracts.customers(kit, "leads");
            db.execute(PostgresTestDatabase.customersDdl("leads"),
                    PostgresTestDatabase.insertInto("leads", "L0", "Kristen", "Nygaard", "kristen@example.com"));
            CdcConfig widened = config.withDatabase(leads.id(), db.name());
            try (CdcLane lane = CdcLane.start(widened, List.of(customers, prospects, leads), new SimpleMeterRegistry())) {
                assertThat(new ChangeRecords(kit, leads).await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:L0");
                db.execute(PostgresTestDatabase.insertInto("leads", "L1", "Edsger", "Dijkstra", "ewd@example.com"),
                        PostgresTestDatabase.insertInto("customers", "C2", "Barbara", "Liskov", "barbara@example.com"));
                assertThat(new ChangeRecords(kit, leads).await(2)).extracting(ChangeRecords.Change::brief).containsExactly("r:L0", "c:L1");
                // The others resumed from the stored position: no second snapshot.
                assertThat(new ChangeRecords(kit, customers).await(3)).extracting(ChangeRecords.Change::brief)
                        .containsExactly("r:C1", "u:C1", "c:C2");
                assertThat(db.slotsOnServer()).containsExactly(slot);
                assertThat(db.publicationTables(slot)).contains("public.leads");
            }
        }
    }

    @Test
    void aQuietCapturedTablesSlotConfirmsWalWhileAnotherTableOfTheDatabaseIsBusy(SpineTestKit kit) {
        Contract customers = CdcContracts.customers(kit, "customers");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            db.execute("CREATE TABLE public.busy (id bigserial PRIMARY KEY, payload text NOT NULL)",
                    PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"));
            CdcConfig config = config(kit, db, List.of(customers)).withHeartbeatInterval(Duration.ofMillis(300));
            String slot = ConnectorProperties.slotName(config, customers);
            try (CdcLane lane = CdcLane.start(config, List.of(customers), meters)) {
                new ChangeRecords(kit, customers).await(1);
                await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(customers.qualifiedName()).orElseThrow() == CaptureState.RUNNING);

                // Another table, not captured, writes WAL; the captured table stays idle.
                for (int i = 0; i < 20; i++) {
                    db.execute("INSERT INTO public.busy (payload) SELECT md5(random()::text) FROM generate_series(1, 500)");
                }
                String walAfterBusy = db.strings("SELECT pg_current_wal_lsn()::text").get(0);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(db.strings("SELECT (confirmed_flush_lsn >= '" + walAfterBusy + "'::pg_lsn)::text "
                                + "FROM pg_replication_slots WHERE slot_name = '" + slot + "'")).containsExactly("true"));
                // Heartbeats are not data: the raw topic holds the snapshot row only.
                assertThat(new ChangeRecords(kit, customers).await(1)).hasSize(1);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(meters.get("spine.cdc.slot.lag.bytes")
                        .tag("source", "postgres:" + db.name()).gauge().value()).isBetween(0.0, 16.0 * 1024 * 1024));
                assertThat(meters.get("spine.cdc.last.event.age.seconds").tag("source", "postgres:" + db.name()).gauge().value())
                        .isLessThan(30.0);
                // Snapshot progress, from Debezium's own snapshot metrics: the one seeded row read, nothing left.
                assertThat(meters.get("spine.cdc.snapshot.rows.scanned").tag("source", "postgres:" + db.name()).gauge().value()).isEqualTo(1.0);
                assertThat(meters.get("spine.cdc.snapshot.running").tag("source", "postgres:" + db.name()).gauge().value()).isZero();
                assertThat(meters.get("spine.cdc.snapshot.remaining.tables").tag("source", "postgres:" + db.name()).gauge().value()).isZero();
            }
        }
    }

    @Test
    void anUnchangedLargeColumnOfAnUpdateArrivesWithItsValue_neverAsDebeziumsPlaceholder(SpineTestKit kit) {
        Contract customers = CdcContracts.customers(kit, "customers");
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            // 64 KB of random hex: stored out of line (TOAST), so an update that leaves it alone does not log it.
            String big = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 2048))";
            db.execute("INSERT INTO public.customers (customer_id, first_name, last_name, address_line) VALUES ('C1', 'Ada', 'Lovelace', "
                    + big + ")");
            String stored = db.strings("SELECT address_line FROM public.customers WHERE customer_id = 'C1'").get(0);
            assertThat(stored).hasSize(2048 * 32);
            CdcConfig config = config(kit, db, List.of(customers));
            try (CdcLane lane = CdcLane.start(config, List.of(customers), new SimpleMeterRegistry())) {
                new ChangeRecords(kit, customers).await(1);
                db.execute("UPDATE public.customers SET email = 'ada@lovelace.example' WHERE customer_id = 'C1'",
                        "UPDATE public.customers SET suburb = 'Marylebone' WHERE customer_id = 'C1'");
                List<ChangeRecords.Change> all = new ChangeRecords(kit, customers).await(3);
                assertThat(all).extracting(ChangeRecords.Change::brief).containsExactly("r:C1", "u:C1", "u:C1");
                assertThat(all.subList(1, 3)).allSatisfy(update -> {
                    assertThat(update.after("address_line")).hasToString(stored);
                    assertThat(update.before("address_line")).hasToString(stored);
                });
                assertThat(all.get(2).after("email")).hasToString("ada@lovelace.example");
                assertThat(all.get(2).after("suburb")).hasToString("Marylebone");
            }
        }
    }

    @Test
    void tablesWithoutFullReplicaIdentityOrAKeyAreRefusedAtStartNamingTheFix_theDatabasesOtherTablesAreCaptured(SpineTestKit kit) {
        Contract healthy = CdcContracts.customers(kit, "customers");
        Contract defaultIdentity = CdcContracts.customers(kit, "customers_default_identity");
        Contract noKey = CdcContracts.customers(kit, "customers_no_key");
        Contract missing = CdcContracts.customers(kit, "customers_missing");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            db.execute(PostgresTestDatabase.customersDdl("customers_default_identity"),
                    "ALTER TABLE public.customers_default_identity REPLICA IDENTITY DEFAULT",
                    PostgresTestDatabase.customersDdl("customers_no_key"),
                    "ALTER TABLE public.customers_no_key DROP CONSTRAINT customers_no_key_pkey",
                    PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"));
            List<Contract> all = List.of(healthy, defaultIdentity, noKey, missing);
            CdcConfig config = config(kit, db, all);
            try (CdcLane lane = CdcLane.start(config, all, meters)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(defaultIdentity.qualifiedName()).orElseThrow() == CaptureState.FAILED
                        && lane.state(noKey.qualifiedName()).orElseThrow() == CaptureState.FAILED
                        && lane.state(missing.qualifiedName()).orElseThrow() == CaptureState.FAILED);
                assertThat(lane.stopDetail(defaultIdentity.qualifiedName()).orElseThrow())
                        .contains("public.customers_default_identity").contains("REPLICA IDENTITY DEFAULT")
                        .contains("ALTER TABLE public.customers_default_identity REPLICA IDENTITY FULL");
                assertThat(lane.stopDetail(noKey.qualifiedName()).orElseThrow())
                        .contains("public.customers_no_key").contains("ALTER TABLE public.customers_no_key ADD PRIMARY KEY (customer_id)");
                assertThat(lane.stopDetail(missing.qualifiedName()).orElseThrow()).contains("public.customers_missing").contains("does not exist");
                assertThat(meters.get("spine.cdc.capture.stopped").tag("contract", defaultIdentity.qualifiedName())
                        .tag("reason", "prerequisite").gauge().value()).isEqualTo(1.0);

                assertThat(new ChangeRecords(kit, healthy).await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:C1");
                assertThat(lane.state(healthy.qualifiedName())).contains(CaptureState.RUNNING);
                // The refused tables are not in the publication: nothing of them is decoded.
                assertThat(db.publicationTables(ConnectorProperties.slotName(config, healthy)))
                        .doesNotContain("public.customers_default_identity", "public.customers_no_key");
            }
        }
    }

    @Test
    void aUserWithoutReplicationIsRefusedForTheWholeDatabase_namingTheGrant(SpineTestKit kit) throws Exception {
        Contract customers = CdcContracts.customers(kit, "customers");
        String role = SpineTestKit.uniqueName("cdc_norepl").replace('-', '_').toLowerCase();
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
                s.execute("CREATE ROLE " + role + " LOGIN");
            }
            try {
                CdcConfig config = config(kit, db, List.of(customers)).withPostgres(SourceConnection.localPostgres().withUser(role, ""));
                try (CdcLane lane = CdcLane.start(config, List.of(customers), new SimpleMeterRegistry())) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(customers.qualifiedName()).orElseThrow() == CaptureState.FAILED);
                    assertThat(lane.stopDetail(customers.qualifiedName()).orElseThrow()).contains("ALTER ROLE " + role + " REPLICATION");
                }
                assertThat(db.slotsOnServer()).isEmpty();
            } finally {
                try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + db.name() + " WITH (FORCE)");
                    s.execute("DROP ROLE IF EXISTS " + role);
                }
            }
        }
    }
}
