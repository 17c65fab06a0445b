package io.meshspine.ingest.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A cheap check that a PostgreSQL server can be captured: it answers within two seconds, and logical decoding is on
 * ({@code wal_level=logical}). The demo asks it before starting the CDC lane, and carries on without CDC otherwise.
 */
public final class PostgresProbe {

    /** The answer: reachable or not, and a sentence an operator can act on. */
    public record Reachability(boolean capturable, String detail) {
    }

    private PostgresProbe() {
    }

    public static Reachability probe(SourceConnection server) {
        Properties props = new Properties();
        props.setProperty("user", server.user());
        props.setProperty("password", server.password());
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "5");
        props.setProperty("loginTimeout", "2");
        String where = server.host() + ":" + server.port();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgresql", "postgres"), props);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            String walLevel = rs.getString(1);
            if (!"logical".equals(walLevel)) {
                return new Reachability(false, "PostgreSQL at " + where + " has wal_level=" + walLevel
                        + "; CDC needs wal_level=logical (sudo bash .ci/run --prepare-only sets it)");
            }
            return new Reachability(true, "PostgreSQL at " + where + " (" + c.getMetaData().getDatabaseProductVersion()
                    + ", wal_level=logical)");
        } catch (SQLException e) {
            return new Reachability(false, "PostgreSQL not reachable at " + where + " as " + server.user() + " (" + e.getMessage() + ")");
        }
    }
}
