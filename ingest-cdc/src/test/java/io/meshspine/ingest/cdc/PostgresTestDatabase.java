package io.meshspine.ingest.cdc;

import io.meshspine.testkit.ScratchPostgres;

import java.sql.Connection;
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
        return ScratchPostgres.customersDdl(table);
    }

    private final ScratchPostgres database = new ScratchPostgres("cdc");

    String name() {
        return database.name();
    }

    /** A slot the test's capture will create: dropped on close. */
    void dropsSlot(String slot) {
        database.dropsSlot(slot);
    }

    /** The slots of this database on the server (whoever created them). */
    List<String> slotsOnServer() {
        return strings("SELECT slot_name FROM pg_replication_slots WHERE database = '" + name() + "' ORDER BY slot_name");
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
        return database.connect();
    }

    void execute(String... sql) {
        database.execute(sql);
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
        database.close();
    }
}
