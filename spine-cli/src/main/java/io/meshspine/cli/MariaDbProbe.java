package io.meshspine.cli;

import io.meshspine.ingest.cdc.SourceConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A cheap check that a MariaDB server can be captured: it answers within two seconds and writes a ROW binlog. The
 * demo asks it before choosing between the machine's MariaDB and its bundled one.
 */
final class MariaDbProbe {

    /** The answer: capturable or not, and a sentence an operator can act on. */
    record Reachability(boolean capturable, String detail) {
    }

    private MariaDbProbe() {
    }

    static Reachability probe(SourceConnection server) {
        Properties props = new Properties();
        props.setProperty("user", server.user());
        props.setProperty("password", server.password());
        props.setProperty("connectTimeout", "2000");
        props.setProperty("socketTimeout", "5000");
        String where = server.host() + ":" + server.port();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("mariadb", ""), props);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format, VERSION()")) {
            rs.next();
            if (rs.getInt(1) != 1 || !"ROW".equalsIgnoreCase(rs.getString(2))) {
                return new Reachability(false, "MariaDB at " + where + " has log_bin=" + rs.getInt(1) + ", binlog_format=" + rs.getString(2)
                        + "; CDC needs a ROW binlog (sudo bash .ci/run --prepare-only sets it)");
            }
            return new Reachability(true, "MariaDB at " + where + " (" + rs.getString(3) + ", ROW binlog)");
        } catch (SQLException e) {
            return new Reachability(false, "MariaDB not reachable at " + where + " as " + server.user() + " (" + e.getMessage() + ")");
        }
    }
}
