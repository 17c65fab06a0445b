package io.meshspine.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The repository's {@code ./spine} script, run in a tree of its own whose {@code ./mvnw} and {@code java} only record
 * that they ran: when it rebuilds, and that it never rebuilds while another {@code ./spine} of the same tree runs.
 */
class LauncherScriptTest {

    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("spine");

    @TempDir
    Path tree;
    private Path bin;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void aTreeWithAScriptedBuildAndJvm() throws IOException {
        Files.copy(SCRIPT, tree.resolve("spine"));
        executable(tree.resolve("spine"));
        // The build: counts itself, then leaves the launcher as the real one does.
        Files.writeString(tree.resolve("mvnw"), """
                #!/usr/bin/env bash
                echo build >> "$(dirname "$0")/builds.log"
                mkdir -p spine-cli/target/lib && touch spine-cli/target/spine-cli.jar
                """);
        executable(tree.resolve("mvnw"));
        bin = Files.createDirectories(tree.resolve("fake-bin"));
        // The JVM: says it runs, and runs until told to stop (as `demo` runs until Ctrl-C), or returns at once.
        Files.writeString(bin.resolve("java"), """
                #!/usr/bin/env bash
                dir=$(dirname "$0")/..
                echo "$$ $*" >> "$dir/runs.log"
                case "$*" in *demo*) while [ ! -f "$dir/stop-demo" ]; do sleep 0.1; done ;; esac
                """);
        executable(bin.resolve("java"));
        Files.createDirectories(tree.resolve("spine-cli/src/main/java"));
        Files.writeString(tree.resolve("spine-cli/src/main/java/Spine.java"), "class Spine {}");
        Files.writeString(tree.resolve("pom.xml"), "<project/>");
        Files.createDirectories(tree.resolve("schemas/crm"));
        Files.writeString(tree.resolve("schemas/crm/contract.yaml"), "id: crm.customers");
    }

    @AfterEach
    void stopWhatRuns() throws IOException {
        Files.writeString(tree.resolve("stop-demo"), "");
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void it_builds_on_first_use_and_when_sources_change_but_not_for_build_outputs() throws Exception {
        assertThat(spine("--version").waitFor()).isZero();
        assertThat(builds()).isEqualTo(1);

        assertThat(spine("--version").waitFor()).isZero();
        assertThat(builds()).as("nothing changed").isEqualTo(1);

        // What `./mvnw verify` leaves behind: newer than the jar, and no source.
        newerThanTheJar(tree.resolve("schemas/target/classes/crm/contract.yaml"));
        newerThanTheJar(tree.resolve("stream-processors/target/classes/Gate.class"));
        newerThanTheJar(tree.resolve("lake/bronze/crm/customers/_delta_log/0.json"));
        assertThat(spine("--version").waitFor()).isZero();
        assertThat(builds()).as("build outputs are not sources").isEqualTo(1);

        newerThanTheJar(tree.resolve("schemas/crm/contract.yaml"));
        assertThat(spine("--version").waitFor()).isZero();
        assertThat(builds()).as("a contract changed").isEqualTo(2);
        assertThat(Files.readAllLines(tree.resolve("runs.log"))).hasSize(4).allMatch(l -> l.contains("-jar " + tree.resolve("spine-cli/target/spine-cli.jar")));
    }

    @Test
    void it_does_not_rebuild_while_another_spine_of_the_same_tree_runs_and_rebuilds_once_it_has_stopped() throws Exception {
        assertThat(spine("--version").waitFor()).isZero();
        Process demo = spine("demo");
        await("the demo's JVM runs").atMost(Duration.ofSeconds(20)).until(() -> runs().stream().anyMatch(l -> l.endsWith("demo")));
        // The demo's JVM has the script's pid (exec): its pid file is what the next ./spine finds.
        long demoJvm = Long.parseLong(runs().stream().filter(l -> l.endsWith("demo")).findFirst().orElseThrow().split(" ")[0]);
        assertThat(demoJvm).isEqualTo(demo.pid());
        assertThat(tree.resolve(".spine/running/" + demo.pid())).exists();

        newerThanTheJar(tree.resolve("spine-cli/src/main/java/Spine.java"));
        Process second = spine("--version");
        assertThat(second.waitFor()).isZero();
        assertThat(builds()).as("no rebuild under the running demo").isEqualTo(1);
        assertThat(new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("another ./spine runs from this tree (pid " + demo.pid() + ")").contains("not rebuilding");

        Files.writeString(tree.resolve("stop-demo"), "");
        assertThat(demo.waitFor(20, TimeUnit.SECONDS)).isTrue();
        Files.delete(tree.resolve("stop-demo"));
        assertThat(spine("--version").waitFor()).isZero();
        assertThat(builds()).as("the demo is gone: the changed sources are built").isEqualTo(2);
        assertThat(tree.resolve(".spine/running/" + demo.pid())).as("the dead demo's pid file is cleaned up").doesNotExist();
    }

    private Process spine(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(tree.resolve("spine").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tree.toFile());
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().remove("SPINE_SKIP_BUILD");
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = builder.start();
        started.add(p);
        return p;
    }

    private int builds() throws IOException {
        Path log = tree.resolve("builds.log");
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    private List<String> runs() throws IOException {
        Path log = tree.resolve("runs.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** Written, then dated a minute after the jar: find -newer compares modification times, which may share a second. */
    private void newerThanTheJar(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "changed " + Instant.now());
        Instant jar = Files.getLastModifiedTime(tree.resolve("spine-cli/target/spine-cli.jar")).toInstant();
        Files.setLastModifiedTime(file, FileTime.from(jar.plusSeconds(60)));
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
