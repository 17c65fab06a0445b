package io.meshspine.ingest.cdc.internal;

import io.meshspine.ingest.cdc.CaptureSource;
import io.meshspine.ingest.cdc.SourceConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What reading a MariaDB server's captured databases from its binlog needs, checked before its engine starts: a binlog in ROW format
 * with full row images, the user's grants, and for each captured table: it exists and has a primary key or a
 * unique key on NOT NULL columns. The GTID mode is reported (the engine works with or without it). Creates the
 * lane's signal table.
 */
final class MariaDbPrerequisites {

    /** The grants capture needs, as SHOW GRANTS spells them; the last two may also be granted on the database alone. */
    private static final List<String> GLOBAL = List.of("REPLICATION SLAVE", "BINLOG MONITOR", "RELOAD", "SHOW DATABASES");
    private static final List<String> PER_DATABASE = List.of("SELECT", "LOCK TABLES");

    private MariaDbPrerequisites() {
    }

    /** The server's GTID mode, as a log line states it. */
    static String gtidMode(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@gtid_strict_mode, @@gtid_current_pos")) {
            rs.next();
            String pos = rs.getString(2);
            return "gtid_strict_mode=" + (rs.getInt(1) == 1 ? "ON" : "OFF") + " gtid_current_pos=" + (pos == null || pos.isEmpty() ? "(none)" : pos);
        }
    }

    /** @param tables {@code database.table} → the contract's keys (for the message when a key is missing) */
    static List<Prerequisite> check(Connection c, SourceConnection server, CaptureSource source, Map<String, List<String>> tables)
            throws SQLException {
        List<Prerequisite> problems = new ArrayList<>();
        String where = "MariaDB at " + server.host() + ":" + server.port();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image")) {
            rs.next();
            if (rs.getInt(1) != 1) {
                problems.add(Prerequisite.database(where + " writes no binlog: set log_bin = mysql-bin and a server_id in its "
                        + "configuration ([mariadbd]), then restart it"));
            }
            if (!"ROW".equalsIgnoreCase(rs.getString(2))) {
                problems.add(Prerequisite.database(where + " has binlog_format=" + rs.getString(2) + "; capture reads rows: "
                        + "SET GLOBAL binlog_format = 'ROW' and binlog_format = ROW in its configuration"));
            }
            if (!"FULL".equalsIgnoreCase(rs.getString(3))) {
                problems.add(Prerequisite.database(where + " has binlog_row_image=" + rs.getString(3) + "; updates must carry whole "
                        + "rows: SET GLOBAL binlog_row_image = 'FULL' and binlog_row_image = FULL in its configuration"));
            }
        }
        String user;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CURRENT_USER()")) {
            rs.next();
            user = rs.getString(1);
        }
        Set<String> global = new LinkedHashSet<>();
        Map<String, Set<String>> onDatabase = new LinkedHashMap<>();
        source.databases().forEach(d -> onDatabase.put(d.toUpperCase(Locale.ROOT), new LinkedHashSet<>()));
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW GRANTS FOR CURRENT_USER()")) {
            while (rs.next()) {
                String grant = rs.getString(1).toUpperCase(Locale.ROOT);
                int on = grant.indexOf(" ON ");
                int to = grant.indexOf(" TO ", Math.max(on, 0));
                if (!grant.startsWith("GRANT ") || on < 0 || to < 0) {
                    continue;
                }
                String object = grant.substring(on + 4, to).replace("`", "").trim();
                Set<String> into = object.equals("*.*") ? global
                        : object.endsWith(".*") ? onDatabase.get(object.substring(0, object.length() - 2)) : null;
                if (into == null) {
                    continue;
                }
                for (String privilege : grant.substring(6, on).split(",")) {
                    into.add(privilege.trim().replace("REPLICATION REPLICA", "REPLICATION SLAVE"));
                }
            }
        }
        if (!global.contains("ALL PRIVILEGES")) {
            Set<String> missing = new LinkedHashSet<>();
            List<String> lacking = new ArrayList<>();
            GLOBAL.stream().filter(p -> !global.contains(p)).forEach(missing::add);
            for (String database : source.databases()) {
                Set<String> granted = onDatabase.get(database.toUpperCase(Locale.ROOT));
                List<String> here = PER_DATABASE.stream()
                        .filter(p -> !global.contains(p) && !granted.contains(p) && !granted.contains("ALL PRIVILEGES")).toList();
                if (!here.isEmpty()) {
                    missing.addAll(here);
                    lacking.add(database);
                }
            }
            if (!missing.isEmpty()) {
                String databases = String.join(", ", lacking.isEmpty() ? source.databases() : lacking);
                problems.add(Prerequisite.database("user " + user + " lacks " + String.join(", ", missing) + " for capturing "
                        + databases + ": GRANT " + String.join(", ", missing) + " ON *.* TO " + user));
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        for (String ddl : LaneTables.ddl(source)) {
            try (Statement s = c.createStatement()) {
                s.execute(ddl);
            } catch (SQLException e) {
                problems.add(Prerequisite.database("the lane cannot create its table in " + source.database() + " (" + e.getMessage()
                        + "): GRANT CREATE ON " + source.database() + ".* TO " + user + ", or run as an administrator: " + ddl));
            }
        }
        for (Map.Entry<String, List<String>> entry : tables.entrySet()) {
            String table = entry.getKey();
            String database = table.substring(0, table.indexOf('.'));
            String name = table.substring(table.indexOf('.') + 1);
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
                ps.setString(1, database);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                problems.add(Prerequisite.table(table, "table " + table + " does not exist (or " + user + " cannot see it): create it, "
                        + "or bind the contract to the table that holds the data"));
                continue;
            }
            boolean keyed;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT 1 FROM information_schema.statistics s
                    WHERE s.table_schema = ? AND s.table_name = ? AND s.non_unique = 0
                    GROUP BY s.index_name HAVING SUM(s.nullable = 'YES') = 0""")) {
                ps.setString(1, database);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    keyed = rs.next();
                }
            }
            if (!keyed) {
                problems.add(Prerequisite.table(table, "table " + table + " has neither a primary key nor a unique key on NOT NULL "
                        + "columns, so its changes cannot be told apart: ALTER TABLE " + table + " ADD PRIMARY KEY ("
                        + String.join(", ", entry.getValue()) + ")"));
            }
        }
        return problems;
    }
}
