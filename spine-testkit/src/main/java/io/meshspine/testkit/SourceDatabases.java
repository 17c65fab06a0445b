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

    /** A superuser connection to the machine's PostgreSQL. */
    public static Connection postgres() {
        return connect("PostgreSQL", POSTGRES_URL, POSTGRES_USER, envOr("SPINE_TEST_POSTGRES_PASSWORD", ""));
    }

    /** A root connection to the machine's MariaDB. */
    public static Connection mariadb() {
        return connect("MariaDB", MARIADB_URL, MARIADB_USER, envOr("SPINE_TEST_MARIADB_PASSWORD", ""));
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
