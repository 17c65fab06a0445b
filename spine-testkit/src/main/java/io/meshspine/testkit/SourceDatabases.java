package io.meshspine.testkit;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The machine's PostgreSQL and MariaDB, which CDC tests use for real. When one cannot be reached the test fails
 * with what to run; it is skipped only when {@code SPINE_TEST_SKIP_DATABASES=true} says so explicitly.
 */
public final class SourceDatabases {

    public static final String SKIP_ENV = "SPINE_TEST_SKIP_DATABASES";
    public static final String POSTGRES_URL = envOr("SPINE_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    public static final String POSTGRES_USER = envOr("SPINE_TEST_POSTGRES_USER", "postgres");
    public static final String MARIADB_URL = envOr("SPINE_TEST_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/");
    public static final String MARIADB_USER = envOr("SPINE_TEST_MARIADB_USER", "root");

    private static final String HOW_TO_FIX = "run `sudo bash .ci/run --prepare-only` to start and configure it "
            + "(PostgreSQL wal_level=logical, MariaDB ROW binlog), or set " + SKIP_ENV + "=true to skip database tests";

    private SourceDatabases() {
    }

    private static volatile boolean postgresChecked;
    private static volatile boolean mariadbChecked;

    /**
     * A superuser connection to the machine's PostgreSQL, checked once to decode logically: without it a capture fails
     * at its first replication slot, and a test would only see its records never arrive.
     */
    public static Connection postgres() {
        Connection c = connect("PostgreSQL", POSTGRES_URL, POSTGRES_USER, envOr("SPINE_TEST_POSTGRES_PASSWORD", ""));
        if (!postgresChecked) {
            require(c, "PostgreSQL", "SHOW wal_level", "logical", "wal_level");
            postgresChecked = true;
        }
        return c;
    }

    /** A root connection to the machine's MariaDB, checked once to write a ROW binlog (what CDC reads). */
    public static Connection mariadb() {
        Connection c = connect("MariaDB", MARIADB_URL, MARIADB_USER, envOr("SPINE_TEST_MARIADB_PASSWORD", ""));
        if (!mariadbChecked) {
            require(c, "MariaDB", "SELECT @@log_bin", "1", "log_bin");
            require(c, "MariaDB", "SELECT @@binlog_format", "ROW", "binlog_format");
            mariadbChecked = true;
        }
        return c;
    }

    static void require(Connection c, String what, String query, String wanted, String setting) {
        String actual;
        try (var statement = c.createStatement(); var rs = statement.executeQuery(query)) {
            rs.next();
            actual = rs.getString(1);
        } catch (SQLException e) {
            throw new AssertionError(what + " cannot say its " + setting + " (" + e.getMessage() + "): " + HOW_TO_FIX, e);
        }
        if (!wanted.equalsIgnoreCase(actual)) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // failing anyway
            }
            throw new AssertionError(what + " has " + setting + "=" + actual + ", CDC needs " + wanted + ": " + HOW_TO_FIX);
        }
    }

    private static Connection connect(String what, String url, String user, String password) {
        Assumptions.assumeFalse(Boolean.parseBoolean(System.getenv(SKIP_ENV)), SKIP_ENV + "=true: database tests skipped");
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            throw new AssertionError(what + " is not reachable at " + url + " as " + user + " (" + e.getMessage() + "): " + HOW_TO_FIX, e);
        }
    }

    public static String howToFix() {
        return HOW_TO_FIX;
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
