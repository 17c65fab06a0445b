package io.meshspine.ingest.cdc;

import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineTestKit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** A database of its own on the machine's MariaDB; closing drops it, even after a failure. */
final class MariaDbTestDatabase implements AutoCloseable {

    private final String name;

    MariaDbTestDatabase() {
        this.name = SpineTestKit.uniqueName("cdc").replace('-', '_').toLowerCase();
        execute("CREATE DATABASE " + name);
    }

    String name() {
        return name;
    }

    /** A table with the accounts.services shape. */
    void createServices(String table) {
        execute("CREATE TABLE " + name + "." + table + " ("
                + " service_id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, service_code VARCHAR(32) NOT NULL,"
                + " status VARCHAR(16) NOT NULL, start_dt DATE NOT NULL, end_dt DATE NULL, monthly_fee DECIMAL(10,2) NULL,"
                + " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
    }

    String insert(String table, long id, String status, String fee) {
        return "INSERT INTO " + name + "." + table + " (service_id, account_id, service_code, status, start_dt, monthly_fee)"
                + " VALUES (" + id + ", " + (1000 + id) + ", 'CARD', '" + status + "', '2024-02-29', " + fee + ")";
    }

    void execute(String... sql) {
        try (Connection c = SourceDatabases.mariadb(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void transaction(String... sql) {
        try (Connection c = SourceDatabases.mariadb()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String statement : sql) {
                    s.execute(statement);
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        execute("DROP DATABASE IF EXISTS " + name);
    }
}
