package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TLS to the sources: the machine's PostgreSQL serves TLS with a self-signed certificate for 127.0.0.1 (.ci/run), which
 * the lane verifies as its own CA; the machine's MariaDB serves none, which a lane that requires it must refuse.
 */
@ExtendWith(SpineExtension.class)
class CdcTlsTest {

    @Test
    void aPostgresCaptureOverVerifiedTlsStreams_andItsReplicationConnectionIsEncrypted(SpineTestKit kit) throws Exception {
        Contract customers = CdcContracts.customers(kit, "customers");
        Path ca;
        try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement();
             ResultSet rs = s.executeQuery("SHOW ssl_cert_file")) {
            rs.next();
            ca = Path.of(rs.getString(1));
        }
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            db.execute(PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"));
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(customers.id(), db.name())
                    .withPostgres(SourceConnection.localPostgres().withTls(TlsMode.VERIFY_FULL, Optional.of(ca), ""));
            String slot = ConnectorProperties.slotName(config, customers);
            db.dropsSlot(slot);
            try (CdcLane lane = CdcLane.start(config, List.of(customers), new SimpleMeterRegistry())) {
                new ChangeRecords(kit, customers).await(1);
                db.execute(PostgresTestDatabase.insert("C2", "Alan", "Turing", "alan@example.com"));
                assertThat(new ChangeRecords(kit, customers).await(2)).extracting(ChangeRecords.Change::brief).containsExactly("r:C1", "c:C2");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(db.strings(
                        "SELECT s.ssl::text FROM pg_replication_slots sl JOIN pg_stat_ssl s ON s.pid = sl.active_pid WHERE sl.slot_name = '"
                                + slot + "'")).containsExactly("true"));
            }
        }
    }

    @Test
    void aMariaDbCaptureThatRequiresTlsOfAServerWithoutItIsRefused_notDowngraded(SpineTestKit kit) {
        Contract services = CdcContracts.services(kit, "services");
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(services.id(), db.name())
                    .withMariaDb(SourceConnection.localMariaDb().withTls(TlsMode.REQUIRE, Optional.empty(), ""));
            try (CdcLane lane = CdcLane.start(config, List.of(services), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(services.qualifiedName()).orElseThrow() == CaptureState.FAILED);
                assertThat(lane.stopDetail(services.qualifiedName()).orElseThrow()).containsIgnoringCase("ssl");
            }
        }
    }
}
