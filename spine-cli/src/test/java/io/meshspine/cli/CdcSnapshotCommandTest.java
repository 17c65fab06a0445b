package io.meshspine.cli;

import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./spine cdc snapshot} against the machine's PostgreSQL: the request lands in the lane's signal table as
 * Debezium's execute-snapshot signal (IncrementalSnapshotTest shows a running capture acting on it).
 */
class CdcSnapshotCommandTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void aSnapshotRequestIsWrittenIntoTheSignalTableOfTheContractsDatabase_withTheFilter() throws Exception {
        String db = SpineTestKit.uniqueName("cdcsnap").replace('-', '_').toLowerCase();
        try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        try {
            assertThat(run("cdc", "snapshot", "crm.customers", "--database", db)).isEqualTo(3);
            assertThat(console.err()).contains("signal").contains("postgres:" + db);

            try (Connection c = connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE public.spine_cdc_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(4096))");
            }
            console.reset();
            assertThat(run("cdc", "snapshot", "crm.customers.v1", "--database", db, "--where", "state = 'VIC'")).isZero();
            assertThat(console.out()).contains("snapshot requested for crm.customers.v1").contains("public.customers")
                    .contains("where state = 'VIC'");
            try (Connection c = connect(db); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT type, data FROM public.spine_cdc_signal")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("execute-snapshot");
                assertThat(rs.getString(2)).isEqualTo("{\"data-collections\":[\"public.customers\"],\"type\":\"incremental\","
                        + "\"additional-conditions\":[{\"data-collection\":\"public.customers\",\"filter\":\"state = 'VIC'\"}]}");
                assertThat(rs.next()).isFalse();
            }
        } finally {
            try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        }
    }

    @Test
    void anUnknownOrNonCdcContractIsAUsageError() {
        assertThat(run("cdc", "snapshot", "no.such")).isEqualTo(2);
        assertThat(console.err()).contains("no contract 'no.such'");
        console.reset();
        assertThat(run("cdc", "snapshot", "payments.transactions")).isEqualTo(2);
        assertThat(console.err()).contains("is not a CDC contract");
    }

    private static Connection connect(String db) throws Exception {
        return DriverManager.getConnection(SourceDatabases.POSTGRES_URL.replaceFirst("/[^/]*$", "/" + db), SourceDatabases.POSTGRES_USER, "");
    }

    private static int run(String... args) {
        return Spine.commandLine().execute(args);
    }
}
