package io.meshspine.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A database of its own on the machine's PostgreSQL holding a table of the crm.customers shape (REPLICA IDENTITY FULL),
 * for tests of other modules that run the real CDC lane over it (ingest-cdc's PostgresTestDatabase adds its own queries on top of one).
 * Closing drops the replication slots named with {@link #dropsSlot} and then the database (its publications go with
 * it), even after a failure.
 */
public final class ScratchPostgres implements AutoCloseable {

    private final String name;
    private final List<String> slots = new ArrayList<>();

    public ScratchPostgres(String prefix) {
        this.name = SpineTestKit.uniqueName(prefix).replace('-', '_').toLowerCase();
        try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("creating the database " + name + ": " + e.getMessage(), e);
        }
        execute(customersDdl("customers"));
    }

    /** A table of the crm.customers shape, REPLICA IDENTITY FULL. */
    public static String customersDdl(String table) {
        return """
            CREATE TABLE public.%s (
              customer_id text PRIMARY KEY,
              first_name text NOT NULL,
              last_name text NOT NULL,
              email text, phone text, date_of_birth date, address_line text, suburb text, state text, postcode text,
              segment text,
              created_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz NOT NULL DEFAULT now());
            ALTER TABLE public.%s REPLICA IDENTITY FULL;
            """.formatted(table, table);
    }

    /** A connection to this database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(SourceDatabases.POSTGRES_URL.replaceFirst("/[^/]*$", "/" + name),
                SourceDatabases.POSTGRES_USER, "");
    }

    public String name() {
        return name;
    }

    /** A slot the test's capture will create: dropped on close. */
    public void dropsSlot(String slot) {
        slots.add(slot);
    }

    /** A row of public.customers with the fields the crm.customers rules read (state, postcode) valid. */
    public static String insertCustomer(String id, String first, String last, String email, String phone) {
        return "INSERT INTO public.customers (customer_id, first_name, last_name, email, phone, state, postcode) VALUES ('"
                + id + "', '" + first + "', '" + last + "', '" + email + "', '" + phone + "', 'NSW', '2000')";
    }

    public void execute(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("in " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
            for (String slot : slots) {
                s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
            }
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cleaning up " + name + ": " + e.getMessage(), e);
        }
    }
}
