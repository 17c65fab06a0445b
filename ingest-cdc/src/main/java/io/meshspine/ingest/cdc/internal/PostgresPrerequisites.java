package io.meshspine.ingest.cdc.internal;

import io.meshspine.ingest.cdc.CaptureSource;
import io.meshspine.ingest.cdc.SourceConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What logical decoding of a PostgreSQL database needs, checked before its engine starts: {@code wal_level=logical},
 * a user with REPLICATION, the right to create (or widen) the publication, and for each captured table: it exists,
 * has REPLICA IDENTITY FULL (updates and deletes carry the whole old row; unchanged large values are filled from it),
 * a primary key or a unique key on NOT NULL columns, and SELECT for the snapshot. Creates the lane's own tables.
 */
final class PostgresPrerequisites {

    private PostgresPrerequisites() {
    }

    /**
     * @param tables      {@code schema.table} → the contract's keys (for the message when a key is missing)
     * @param publication the engine's publication
     */
    static List<Prerequisite> check(Connection c, SourceConnection server, CaptureSource source, Map<String, List<String>> tables,
                                    String publication) throws SQLException {
        List<Prerequisite> problems = new ArrayList<>();
        String where = "PostgreSQL at " + server.host() + ":" + server.port();
        String walLevel = single(c, "SHOW wal_level");
        if (!"logical".equals(walLevel)) {
            problems.add(Prerequisite.database(where + " has wal_level=" + walLevel + "; capture needs logical decoding: "
                    + "ALTER SYSTEM SET wal_level = logical (or wal_level = logical in postgresql.conf), then restart the server"));
            return problems;
        }
        String user = single(c, "SELECT current_user");
        boolean superuser;
        boolean replication;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            superuser = rs.getBoolean(1);
            replication = rs.getBoolean(2);
        }
        if (!superuser && !replication) {
            problems.add(Prerequisite.database("user " + user + " may not read the replication stream of " + source.database()
                    + ": ALTER ROLE " + user + " REPLICATION"));
        }
        for (String ddl : LaneTables.ddl(source)) {
            try (Statement s = c.createStatement()) {
                s.execute(ddl);
            } catch (SQLException e) {
                problems.add(Prerequisite.database("the lane cannot create its table in " + source.database() + " (" + e.getMessage()
                        + "): GRANT CREATE ON SCHEMA " + LaneTables.POSTGRES_SCHEMA + " TO " + user + ", or run as its owner: " + ddl));
            }
        }
        boolean publicationExists = exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", publication);
        if (!publicationExists && !superuser && !"t".equals(single(c, "SELECT has_database_privilege(current_user, current_database(), 'CREATE')"))) {
            problems.add(Prerequisite.database("user " + user + " may not create the publication " + publication + " in "
                    + source.database() + ": GRANT CREATE ON DATABASE " + source.database() + " TO " + user
                    + ", or create it yourself: CREATE PUBLICATION " + publication + " FOR TABLE " + String.join(", ", tables.keySet())));
        }
        for (Map.Entry<String, List<String>> entry : tables.entrySet()) {
            String table = entry.getKey();
            String schema = table.substring(0, table.indexOf('.'));
            String name = table.substring(table.indexOf('.') + 1);
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT c.relreplident,
                           has_table_privilege(c.oid, 'SELECT'),
                           pg_has_role(current_user, c.relowner, 'USAGE'),
                           EXISTS (SELECT 1 FROM pg_publication_tables p WHERE p.pubname = ? AND p.schemaname = n.nspname
                                   AND p.tablename = c.relname),
                           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indpred IS NULL AND i.indexprs IS NULL
                                   AND (i.indisprimary OR (i.indisunique AND NOT EXISTS (
                                        SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
                                        AND NOT a.attnotnull))))
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')""")) {
                ps.setString(1, publication);
                ps.setString(2, schema);
                ps.setString(3, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        problems.add(Prerequisite.table(table, "table " + table + " does not exist in " + source.database()
                                + " (or " + user + " cannot see it): create it, or bind the contract to the table that holds the data"));
                        continue;
                    }
                    String identity = rs.getString(1);
                    if (!"f".equals(identity)) {
                        problems.add(Prerequisite.table(table, "table " + table + " has REPLICA IDENTITY " + identityName(identity)
                                + ": updates and deletes would not carry the whole old row, and unchanged large (TOAST) values would be "
                                + "missing: ALTER TABLE " + table + " REPLICA IDENTITY FULL"));
                    }
                    if (!rs.getBoolean(2)) {
                        problems.add(Prerequisite.table(table, "user " + user + " may not read " + table + " (the snapshot selects it): "
                                + "GRANT SELECT ON " + table + " TO " + user));
                    }
                    if (!superuser && !rs.getBoolean(3) && !rs.getBoolean(4)) {
                        problems.add(Prerequisite.table(table, "user " + user + " does not own " + table + ", which adding it to the "
                                + "publication " + publication + " requires: ALTER TABLE " + table + " OWNER TO " + user
                                + ", or add it yourself: ALTER PUBLICATION " + publication + " ADD TABLE " + table));
                    }
                    if (!rs.getBoolean(5)) {
                        problems.add(Prerequisite.table(table, "table " + table + " has neither a primary key nor a unique key on NOT NULL "
                                + "columns, so its changes cannot be told apart: ALTER TABLE " + table + " ADD PRIMARY KEY ("
                                + String.join(", ", entry.getValue()) + ")"));
                    }
                }
            }
        }
        return problems;
    }

    private static String identityName(String code) {
        return switch (code) {
            case "d" -> "DEFAULT";
            case "n" -> "NOTHING";
            case "i" -> "USING INDEX";
            default -> code;
        };
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean exists(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
