package io.meshspine.cli;

import io.meshspine.ingest.cdc.PostgresProbe;
import io.meshspine.ingest.cdc.SourceConnection;
import io.meshspine.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The demo's bundled servers start from their jars here (as root too: PostgreSQL then runs as nobody), set up for CDC
 * on loopback, and do not outlive their JVM even when it is killed with kill -9. (That closing them removes their run
 * directories is checked by DemoWithoutPreparedDatabasesTest.)
 */
class BundledDatabasesTest {

    @TempDir
    Path base;

    @Test
    void both_servers_start_set_up_for_cdc_on_loopback_and_stop_with_a_jvm_killed_with_kill_9() throws Exception {
        Process jvm = new ProcessBuilder(ChildJvm.command(base.resolve("jvm-tmp"), List.of("-Xmx256m"),
                BundledServersMain.class.getName(), base.toString())).redirectErrorStream(true).start();
        try {
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> new BufferedReader(new InputStreamReader(jvm.getInputStream())).lines().forEach(lines::add));
            reader.setDaemon(true);
            reader.start();
            await("both servers up").atMost(Duration.ofSeconds(240))
                    .until(() -> lines.stream().anyMatch(l -> l.startsWith("ready ")) || !jvm.isAlive());
            String[] ready = lines.stream().filter(l -> l.startsWith("ready ")).findFirst()
                    .orElseThrow(() -> new AssertionError(String.join("\n", lines))).split(" ");
            int pgPort = Integer.parseInt(ready[1]);
            int mariaPort = Integer.parseInt(ready[2]);

            PostgresProbe.Reachability pg = PostgresProbe.probe(new SourceConnection("127.0.0.1", pgPort, "postgres", ""));
            assertThat(pg.capturable()).as(pg.detail()).isTrue();
            assertThat(pg.detail()).contains("17.5");
            MariaDbProbe.Reachability maria = MariaDbProbe.probe(new SourceConnection("127.0.0.1", mariaPort, "root", ""));
            assertThat(maria.capturable()).as(maria.detail()).isTrue();
            assertThat(maria.detail()).contains("11.4.5");
            if (EmbeddedRuns.isRoot(base)) {
                try (Stream<Path> runs = Files.list(base)) {
                    Path data = runs.filter(p -> p.getFileName().toString().startsWith("postgres-")).findFirst().orElseThrow().resolve("data");
                    assertThat(Files.getAttribute(data, "unix:uid")).as("PostgreSQL runs as nobody, not root").isEqualTo(65534);
                }
            }
            List<ProcessHandle> servers = jvm.descendants()
                    .filter(p -> p.info().commandLine().orElse("").matches(".*(bin/postgres -D|bin/mariadbd ).*")).toList();
            assertThat(servers).as("the postmaster and mariadbd").hasSize(2);

            jvm.destroyForcibly().waitFor();

            await("the servers stop with their JVM").atMost(Duration.ofSeconds(60)).until(() -> servers.stream().noneMatch(ProcessHandle::isAlive));
            for (int port : List.of(pgPort, mariaPort)) {
                assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("nothing listens on %d", port).isInstanceOf(java.io.IOException.class);
            }
        } finally {
            jvm.descendants().forEach(ProcessHandle::destroyForcibly);
            jvm.destroyForcibly();
        }
    }
}
