package io.meshspine.cli.chaos;

import io.meshspine.core.deadletter.FailureType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The CDC lane's share of a chaos run: a customers table in its own PostgreSQL database and a services table in its own
 * MariaDB database, changed by inserts, updates and deletes; now and then a row the contract's rules refuse is inserted
 * (and then left alone, so its one change is the one dead letter expected). At the end the tables themselves are the
 * truth Silver must equal. Closing drops both databases and the run's replication slots.
 */
final class CdcTables implements AutoCloseable {

    static final String CUSTOMERS = "crm.customers";
    static final String SERVICES = "accounts.services";
    static final Ledger.BadKind BAD_EMAIL = new Ledger.BadKind("email-format", FailureType.RULE);
    static final Ledger.BadKind BAD_SERVICE_STATUS = new Ledger.BadKind("status-unknown", FailureType.RULE);

    private static final Logger log = LoggerFactory.getLogger(CdcTables.class);
    private static final String[] STATES = {"NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"};
    private static final String[] SEGMENTS = {"RETAIL", "PREMIUM", "PRIVATE", "BUSINESS"};
    private static final String[] CODES = {"OVERDRAFT", "CARD", "ESTATEMENT", "SAVER", "FX"};
    private static final String[] SERVICE_STATUSES = {"PENDING", "ACTIVE", "SUSPENDED", "CLOSED"};

    private final String pgUrl;
    private final String pgDatabase;
    private final String mariaUrl;
    private final String mariaDatabase;
    private final Ledger ledger;
    private final SplittableRandom random;
    private final List<String> customers = new ArrayList<>();
    private final List<Long> services = new ArrayList<>();
    private long nextCustomer = 1;
    private long nextService = 1;
    private long changes;

    private CdcTables(String pgUrl, String pgDatabase, String mariaUrl, String mariaDatabase, Ledger ledger, long seed) {
        this.pgUrl = pgUrl;
        this.pgDatabase = pgDatabase;
        this.mariaUrl = mariaUrl;
        this.mariaDatabase = mariaDatabase;
        this.ledger = ledger;
        this.random = new SplittableRandom(seed);
    }

    /** Creates both databases and tables on the machine's servers (PostgreSQL as {@code postgres}, MariaDB as {@code root}). */
    static CdcTables create(String pgHost, int pgPort, String mariaHost, int mariaPort, String run, Ledger ledger, long seed) {
        String pgDb = "chaos_" + run + "_crm";
        String mariaDb = "chaos_" + run + "_accounts";
        CdcTables t = new CdcTables("jdbc:postgresql://" + pgHost + ":" + pgPort + "/", pgDb,
                "jdbc:mariadb://" + mariaHost + ":" + mariaPort + "/", mariaDb, ledger, seed);
        try (Connection c = t.pg("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + pgDb);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the PostgreSQL database " + pgDb + " at " + pgHost + ":" + pgPort
                    + " (CDC needs wal_level=logical: bash .ci/run --prepare-only): " + e.getMessage(), e);
        }
        try (Connection c = t.pg(pgDb); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE public.customers (
                      customer_id text PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
                      email text, phone text, date_of_birth date, address_line text, suburb text, state text,
                      postcode text, segment text,
                      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""");
            // Without it PostgreSQL logs no before-image for updates and deletes.
            s.execute("ALTER TABLE public.customers REPLICA IDENTITY FULL");
        } catch (SQLException e) {
            t.close();
            throw new IllegalStateException("cannot create " + pgDb + ".public.customers: " + e.getMessage(), e);
        }
        try (Connection c = t.maria(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + mariaDb);
            s.execute("CREATE TABLE " + mariaDb + ".services ("
                    + " service_id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, service_code VARCHAR(32) NOT NULL,"
                    + " status VARCHAR(16) NOT NULL, start_dt DATE NOT NULL, end_dt DATE NULL, monthly_fee DECIMAL(10,2) NULL,"
                    + " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))");
        } catch (SQLException e) {
            t.close();
            throw new IllegalStateException("cannot create the MariaDB database " + mariaDb + " at " + mariaHost + ":" + mariaPort
                    + " (CDC needs a ROW binlog: bash .ci/run --prepare-only): " + e.getMessage(), e);
        }
        return t;
    }

    String postgresDatabase() {
        return pgDatabase;
    }

    String mariaDbDatabase() {
        return mariaDatabase;
    }

    long changes() {
        return changes;
    }

    /** A few rows in each table before the lane starts: what its initial snapshot reads. */
    void seed(int rows) {
        for (int i = 0; i < rows; i++) {
            change(0);
        }
    }

    /**
     * One change to each table: mostly inserts early, then updates and deletes; one in {@code badEvery} is a bad insert.
     * A change the database refuses (it is restarting) is skipped and not counted: the tables stay the truth.
     */
    void changeBoth(int badEvery) {
        change(badEvery);
    }

    private synchronized void change(int badEvery) {
        changes++;
        boolean bad = badEvery > 0 && changes % badEvery == 0;
        int dice = random.nextInt(10);
        try (Connection c = pg(pgDatabase)) {
            if (bad) {
                String id = "BAD-" + changes;
                insertCustomer(c, id, "not-an-email");
                ledger.bad(CUSTOMERS, BAD_EMAIL);
            } else if (customers.size() < 5 || dice < 4) {
                String id = "CUS-" + (nextCustomer++);
                insertCustomer(c, id, "customer" + id.toLowerCase() + "@example.com");
                customers.add(id);
            } else if (dice < 8) {
                try (PreparedStatement p = c.prepareStatement("UPDATE public.customers SET state = ?, segment = ?, postcode = ?,"
                        + " updated_at = now() WHERE customer_id = ?")) {
                    p.setString(1, STATES[random.nextInt(STATES.length)]);
                    p.setString(2, SEGMENTS[random.nextInt(SEGMENTS.length)]);
                    p.setString(3, Integer.toString(2000 + random.nextInt(7000)));
                    p.setString(4, customers.get(random.nextInt(customers.size())));
                    p.executeUpdate();
                }
            } else {
                String id = customers.remove(random.nextInt(customers.size()));
                try (PreparedStatement p = c.prepareStatement("DELETE FROM public.customers WHERE customer_id = ?")) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
            }
        } catch (SQLException e) {
            log.warn("chaos PostgreSQL change failed database={} problem={}", pgDatabase, e.getMessage());
        }
        try (Connection c = maria()) {
            if (bad) {
                insertService(c, nextService++, "LOST");
                ledger.bad(SERVICES, BAD_SERVICE_STATUS);
            } else if (services.size() < 5 || dice < 4) {
                long id = nextService++;
                insertService(c, id, SERVICE_STATUSES[random.nextInt(SERVICE_STATUSES.length)]);
                services.add(id);
            } else if (dice < 8) {
                try (PreparedStatement p = c.prepareStatement("UPDATE " + mariaDatabase + ".services SET status = ?, service_code = ? WHERE service_id = ?")) {
                    p.setString(1, SERVICE_STATUSES[random.nextInt(SERVICE_STATUSES.length)]);
                    p.setString(2, CODES[random.nextInt(CODES.length)]);
                    p.setLong(3, services.get(random.nextInt(services.size())));
                    p.executeUpdate();
                }
            } else {
                long id = services.remove(random.nextInt(services.size()));
                try (PreparedStatement p = c.prepareStatement("DELETE FROM " + mariaDatabase + ".services WHERE service_id = ?")) {
                    p.setLong(1, id);
                    p.executeUpdate();
                }
            }
        } catch (SQLException e) {
            log.warn("chaos MariaDB change failed database={} problem={}", mariaDatabase, e.getMessage());
        }
    }

    private void insertCustomer(Connection c, String id, String email) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO public.customers (customer_id, first_name, last_name, email, phone,"
                + " state, postcode, segment) VALUES (?, 'Chaos', 'Tester', ?, ?, ?, ?, ?)")) {
            p.setString(1, id);
            p.setString(2, email);
            p.setString(3, "+614" + (10_000_000 + random.nextInt(89_999_999)));
            p.setString(4, STATES[random.nextInt(STATES.length)]);
            p.setString(5, Integer.toString(2000 + random.nextInt(7000)));
            p.setString(6, SEGMENTS[random.nextInt(SEGMENTS.length)]);
            p.executeUpdate();
        }
    }

    private void insertService(Connection c, long id, String status) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + mariaDatabase + ".services (service_id, account_id, service_code,"
                + " status, start_dt, monthly_fee) VALUES (?, ?, ?, ?, DATE_SUB(CURRENT_DATE, INTERVAL 30 DAY), ?)")) {
            p.setLong(1, id);
            p.setLong(2, 10_000 + random.nextInt(90_000));
            p.setString(3, CODES[random.nextInt(CODES.length)]);
            p.setString(4, status);
            p.setBigDecimal(5, java.math.BigDecimal.valueOf(random.nextInt(5000), 2));
            p.executeUpdate();
        }
    }

    /** Every customer_id the run inserted, good and bad, deleted or not. */
    synchronized List<String> customerIdsUsed() {
        List<String> ids = new ArrayList<>();
        for (long i = 1; i < nextCustomer; i++) {
            ids.add("CUS-" + i);
        }
        for (long i = 1; i <= changes; i++) {
            ids.add("BAD-" + i);
        }
        return ids;
    }

    /** The customers table's good rows now: customer_id -> "state|segment|postcode" (the columns Silver keeps unmasked). */
    Map<String, String> customersEndState() {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = pg(pgDatabase); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT customer_id, state, segment, postcode FROM public.customers WHERE customer_id NOT LIKE 'BAD-%'")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + pgDatabase + ".public.customers: " + e.getMessage(), e);
        }
        return rows;
    }

    /** The services table's good rows now: service_id -> "status|service_code". */
    Map<String, String> servicesEndState() {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = maria(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT service_id, status, service_code FROM " + mariaDatabase + ".services WHERE status <> 'LOST'")) {
            while (rs.next()) {
                rows.put(Long.toString(rs.getLong(1)), rs.getString(2) + "|" + rs.getString(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + mariaDatabase + ".services: " + e.getMessage(), e);
        }
        return rows;
    }

    private Connection pg(String database) throws SQLException {
        return DriverManager.getConnection(pgUrl + database, "postgres", "");
    }

    private Connection maria() throws SQLException {
        return DriverManager.getConnection(mariaUrl, "root", "");
    }

    /** Drops both databases and every replication slot of the PostgreSQL one (an inactive slot holds WAL forever). */
    @Override
    public void close() {
        try (Connection c = pg("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '" + pgDatabase + "' AND active_pid IS NOT NULL");
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + pgDatabase + "'");
            s.execute("DROP DATABASE IF EXISTS " + pgDatabase + " WITH (FORCE)");
        } catch (SQLException e) {
            log.warn("chaos PostgreSQL database not dropped database={} problem={}", pgDatabase, e.getMessage());
        }
        try (Connection c = maria(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + mariaDatabase);
        } catch (SQLException e) {
            log.warn("chaos MariaDB database not dropped database={} problem={}", mariaDatabase, e.getMessage());
        }
    }
}
