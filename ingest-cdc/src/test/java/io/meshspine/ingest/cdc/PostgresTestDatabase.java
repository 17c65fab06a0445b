package io.meshspine.ingest.cdc;

import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineTestKit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A database of its own on the machine's PostgreSQL, with the crm.customers table shape; closing drops the
 * replication slots the test names and then the database (its publications go with it), even after a failure.
 */
final class PostgresTestDatabase implements AutoCloseable {

    static final String CUSTOMERS_DDL = customersDdl("customers");

    /** A table of the crm.customers shape, REPLICA IDENTITY FULL. */
    static String customersDdl(String table) {
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

    private final String name;
    private final List<String> slots = new ArrayList<>();

    PostgresTestDatabase() {
        this.name = SpineTestKit.uniqueName("cdc").replace('-', '_').toLowerCase();
        try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        execute(CUSTOMERS_DDL);
    }

    String name() {
        return name;
    }

    /** A slot the test's capture will create: dropped on close. */
    void dropsSlot(String slot) {
        slots.add(slot);
    }

    /** The slots of this database on the server (whoever created them). */
    List<String> slotsOnServer() {
        return strings("SELECT slot_name FROM pg_replication_slots WHERE database = '" + name + "' ORDER BY slot_name");
    }

    /** The tables of a publication, as {@code schema.table}, sorted. */
    List<String> publicationTables(String publication) {
        return strings("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = '" + publication
                + "' ORDER BY 1");
    }

    List<String> strings(String query) {
        try (Connection c = connect(); Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(query)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(SourceDatabases.POSTGRES_URL.replaceFirst("/[^/]*$", "/" + name), SourceDatabases.POSTGRES_USER, "");
    }

    void execute(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The statements in one transaction. */
    void transaction(String... sql) {
        try (Connection c = connect()) {
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

    static String insert(String id, String first, String last, String email) {
        return insertInto("customers", id, first, last, email);
    }

    static String insertInto(String table, String id, String first, String last, String email) {
        return "INSERT INTO public." + table + " (customer_id, first_name, last_name, email, state, postcode) VALUES ('"
                + id + "', '" + first + "', '" + last + "', '" + email + "', 'NSW', '2000')";
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
