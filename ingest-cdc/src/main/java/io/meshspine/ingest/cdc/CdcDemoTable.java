package io.meshspine.ingest.cdc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's source table: {@code public.customers} in its own PostgreSQL database, shaped like the crm.customers
 * contract, with a handful of customers and, once {@link #startChanging} is called, an insert, update or delete now
 * and then, so the CDC lane has something to capture. Point the lane at it with
 * {@code config.withDatabase("crm.customers", table.database())}.
 *
 * <p>Closing stops the changes and leaves the database (a later demo resumes from the lane's stored offsets);
 * {@link #drop} removes it with the lane's replication slot, which would otherwise hold WAL while no demo runs.
 */
public final class CdcDemoTable implements AutoCloseable {

    public static final String DEFAULT_DATABASE = "meshspine_demo";
    public static final String CONTRACT_ID = "crm.customers";

    private static final Logger LOG = LoggerFactory.getLogger(CdcDemoTable.class);
    private static final String[] FIRST = {"Olivia", "Jack", "Mia", "Noah", "Ava", "William", "Isla", "Oliver", "Grace", "Leo"};
    private static final String[] LAST = {"Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Martin"};
    private static final String[] STATES = {"NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"};
    private static final String[] SEGMENTS = {"RETAIL", "PREMIUM", "PRIVATE", "BUSINESS"};

    private final SourceConnection server;
    private final String database;
    private final Random random = new Random(42);
    private final AtomicLong changes = new AtomicLong();
    private ScheduledExecutorService changer;

    private CdcDemoTable(SourceConnection server, String database) {
        this.server = server;
        this.database = database;
    }

    /** Creates the database and table if missing (idempotent) and seeds five customers into an empty table. */
    public static CdcDemoTable create(SourceConnection server, String database) {
        CdcDemoTable table = new CdcDemoTable(server, database);
        try (Connection admin = table.connect("postgres"); Statement s = admin.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (!rs.next()) {
                    s.execute("CREATE DATABASE " + database);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the demo database " + database + " on " + server + ": " + e.getMessage(), e);
        }
        try (Connection c = table.connect(database); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE IF NOT EXISTS public.customers (
                      customer_id text PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
                      email text, phone text, date_of_birth date, address_line text, suburb text, state text,
                      postcode text, segment text,
                      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""");
            // Without it PostgreSQL logs no before-image for updates and deletes.
            s.execute("ALTER TABLE public.customers REPLICA IDENTITY FULL");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM public.customers")) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    for (int i = 0; i < 5; i++) {
                        table.insert(c);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the demo table in " + database + ": " + e.getMessage(), e);
        }
        return table;
    }

    public String database() {
        return database;
    }

    /** Changes made since {@link #startChanging}. */
    public long changesMade() {
        return changes.get();
    }

    /** From now on, one change every {@code every}: mostly updates, some inserts, now and then a delete. */
    public synchronized void startChanging(Duration every) {
        if (changer != null) {
            return;
        }
        changer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spine-cdc-demo-changes");
            t.setDaemon(true);
            return t;
        });
        changer.scheduleWithFixedDelay(this::changeOne, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("cdc demo changes started database={} everyMs={}", database, every.toMillis());
    }

    private void changeOne() {
        try (Connection c = connect(database)) {
            int dice = random.nextInt(10);
            if (dice < 6) {
                try (PreparedStatement p = c.prepareStatement("UPDATE public.customers SET segment = ?, state = ?, updated_at = now()"
                        + " WHERE customer_id = (SELECT customer_id FROM public.customers ORDER BY random() LIMIT 1)")) {
                    p.setString(1, SEGMENTS[random.nextInt(SEGMENTS.length)]);
                    p.setString(2, STATES[random.nextInt(STATES.length)]);
                    p.executeUpdate();
                }
            } else if (dice < 9) {
                insert(c);
            } else {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("DELETE FROM public.customers WHERE customer_id = "
                            + "(SELECT customer_id FROM public.customers ORDER BY created_at LIMIT 1)");
                }
            }
            changes.incrementAndGet();
        } catch (SQLException e) {
            LOG.warn("cdc demo change failed database={} cause={}", database, e.getMessage());
        }
    }

    private void insert(Connection c) throws SQLException {
        String first = FIRST[random.nextInt(FIRST.length)];
        String last = LAST[random.nextInt(LAST.length)];
        try (PreparedStatement p = c.prepareStatement("INSERT INTO public.customers (customer_id, first_name, last_name, email,"
                + " phone, state, postcode, segment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            String id = "CUS-" + (100_000 + random.nextInt(900_000));
            p.setString(1, id);
            p.setString(2, first);
            p.setString(3, last);
            p.setString(4, (first + "." + last + "@example.com").toLowerCase());
            p.setString(5, "+614" + (10_000_000 + random.nextInt(89_999_999)));
            p.setString(6, STATES[random.nextInt(STATES.length)]);
            p.setString(7, Integer.toString(2000 + random.nextInt(7000)));
            p.setString(8, SEGMENTS[random.nextInt(SEGMENTS.length)]);
            try {
                p.executeUpdate();
            } catch (SQLException duplicate) {
                if (!"23505".equals(duplicate.getSQLState())) {
                    throw duplicate;
                }
            }
        }
    }

    /** Stops the changes; the table and its rows stay. */
    @Override
    public synchronized void close() {
        if (changer != null) {
            changer.shutdownNow();
            changer = null;
        }
    }

    /** Drops the lane's replication slot (if any) and then the demo database. */
    public static void drop(SourceConnection server, String database, String slotName) {
        CdcDemoTable table = new CdcDemoTable(server, database);
        try (Connection admin = table.connect("postgres"); Statement s = admin.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                    + slotName.replace("'", "") + "' AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the demo database " + database + ": " + e.getMessage(), e);
        }
    }

    private Connection connect(String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", server.user());
        props.setProperty("password", server.password());
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(server.jdbcUrl("postgresql", db), props);
    }
}
