package io.meshspine.cli;

import io.meshspine.ingest.cdc.SourceConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's MariaDB source: {@code services} in its own database, shaped like the accounts.services contract, with a
 * few services and, once {@link #startChanging} is called, an insert, update or delete now and then. Closing stops the
 * changes; {@link #drop} removes the database.
 */
final class DemoServicesTable implements AutoCloseable {

    static final String DATABASE = "meshspine_demo";
    static final String CONTRACT_ID = "accounts.services";

    private static final Logger LOG = LoggerFactory.getLogger(DemoServicesTable.class);
    private static final String[] CODES = {"OVERDRAFT", "CARD", "ESTATEMENT", "SAVER", "FX"};
    private static final String[] STATUSES = {"ACTIVE", "SUSPENDED", "CLOSED"};

    private final SourceConnection server;
    private final Random random = new Random(7);
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong changes = new AtomicLong();
    private ScheduledExecutorService changer;

    private DemoServicesTable(SourceConnection server) {
        this.server = server;
    }

    /** Creates the database and table if missing and seeds five services into an empty table. */
    static DemoServicesTable create(SourceConnection server) {
        DemoServicesTable table = new DemoServicesTable(server);
        try (Connection c = table.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE);
            s.execute("CREATE TABLE IF NOT EXISTS " + DATABASE + ".services ("
                    + " service_id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, service_code VARCHAR(32) NOT NULL,"
                    + " status VARCHAR(16) NOT NULL, start_dt DATE NOT NULL, end_dt DATE NULL, monthly_fee DECIMAL(10,2) NULL,"
                    + " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))");
            try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(service_id), 0), COUNT(*) FROM " + DATABASE + ".services")) {
                rs.next();
                table.nextId.set(rs.getLong(1) + 1);
                if (rs.getLong(2) == 0) {
                    for (int i = 0; i < 5; i++) {
                        table.insert(c);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the demo table " + DATABASE + ".services on " + server + ": " + e.getMessage(), e);
        }
        return table;
    }

    long changesMade() {
        return changes.get();
    }

    synchronized void startChanging(Duration every) {
        if (changer != null) {
            return;
        }
        changer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spine-demo-services-changes");
            t.setDaemon(true);
            return t;
        });
        changer.scheduleWithFixedDelay(this::changeOne, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void changeOne() {
        try (Connection c = connect()) {
            int dice = random.nextInt(10);
            if (dice < 6) {
                try (PreparedStatement p = c.prepareStatement("UPDATE " + DATABASE + ".services SET status = ?, monthly_fee = ?"
                        + " WHERE service_id = (SELECT service_id FROM (SELECT service_id FROM " + DATABASE + ".services ORDER BY RAND() LIMIT 1) pick)")) {
                    p.setString(1, STATUSES[random.nextInt(STATUSES.length)]);
                    p.setBigDecimal(2, java.math.BigDecimal.valueOf(random.nextInt(2000), 2));
                    p.executeUpdate();
                }
            } else if (dice < 9) {
                insert(c);
            } else {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("DELETE FROM " + DATABASE + ".services ORDER BY service_id LIMIT 1");
                }
            }
            changes.incrementAndGet();
        } catch (SQLException e) {
            LOG.warn("demo services change failed cause={}", e.getMessage());
        }
    }

    private void insert(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + DATABASE + ".services"
                + " (service_id, account_id, service_code, status, start_dt, monthly_fee) VALUES (?, ?, ?, 'ACTIVE', ?, ?)")) {
            long id = nextId.getAndIncrement();
            p.setLong(1, id);
            p.setLong(2, 10_000 + random.nextInt(90_000));
            p.setString(3, CODES[random.nextInt(CODES.length)]);
            // The contract's rule: a service starts today or earlier.
            p.setObject(4, LocalDate.now().minusDays(random.nextInt(900)));
            p.setBigDecimal(5, java.math.BigDecimal.valueOf(random.nextInt(2000), 2));
            p.executeUpdate();
        }
    }

    @Override
    public synchronized void close() {
        if (changer != null) {
            changer.shutdownNow();
            changer = null;
        }
    }

    static void drop(SourceConnection server) {
        try (Connection c = new DemoServicesTable(server).connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the demo database " + DATABASE + " on " + server + ": " + e.getMessage(), e);
        }
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", server.user());
        props.setProperty("password", server.password());
        props.setProperty("connectTimeout", "5000");
        return DriverManager.getConnection(server.jdbcUrl("mariadb", ""), props);
    }
}
