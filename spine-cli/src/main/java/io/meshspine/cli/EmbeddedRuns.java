package io.meshspine.cli;

import io.meshspine.testkit.internal.TempDirs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the demo's bundled database servers live and how their processes are started: a base directory every user
 * can traverse (a server run as {@code nobody} must reach its binaries), holding unpacked binaries (kept, like a cache)
 * and one run directory per server (deleted when it stops). A run directory records its JVM's pid, so one left by a
 * JVM that was killed is deleted by the next start.
 */
final class EmbeddedRuns {

    private static final String OWNER = "owner.pid";

    private EmbeddedRuns() {
    }

    /** The default base: the same for every JVM of the machine, so binaries are unpacked once. */
    static Path defaultBase() {
        return Path.of(System.getProperty("spine.embedded.dir", "/tmp/meshspine-embedded"));
    }

    static void prepare(Path base) throws IOException {
        Files.createDirectories(base);
        traversable(base);
        try (Stream<Path> runs = Files.list(base)) {
            for (Path run : runs.filter(r -> Files.isRegularFile(r.resolve(OWNER))).toList()) {
                if (!ownerAlive(run)) {
                    TempDirs.deleteQuietly(run);
                }
            }
        }
    }

    private static boolean ownerAlive(Path run) {
        try {
            long pid = Long.parseLong(Files.readString(run.resolve(OWNER), StandardCharsets.UTF_8).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return true;
        }
    }

    static Path newRun(Path base, String prefix) throws IOException {
        Path run = Files.createTempDirectory(base, prefix);
        traversable(run);
        Files.writeString(run.resolve(OWNER), Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
        return run;
    }

    /** Whether this JVM runs as root: the owner of a directory it created. */
    static boolean isRoot(Path created) throws IOException {
        return ((Integer) Files.getAttribute(created, "unix:uid")) == 0;
    }

    static void traversable(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * The command as the unprivileged {@code uid} when {@code drop} (root), through setpriv; either way with a
     * parent-death signal where setpriv exists, so a server does not outlive a JVM killed with kill -9.
     */
    static List<String> asUser(boolean drop, int uid, List<String> command) {
        List<String> full = new ArrayList<>();
        boolean setpriv = Files.isExecutable(Path.of("/usr/bin/setpriv"));
        if (drop && !setpriv) {
            throw new IllegalStateException("running as root, and /usr/bin/setpriv (util-linux) is missing to start the database as an unprivileged user");
        }
        if (setpriv) {
            full.add("/usr/bin/setpriv");
            if (drop) {
                full.addAll(List.of("--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
            }
            full.addAll(List.of("--pdeathsig", "TERM", "--"));
        }
        full.addAll(command);
        return full;
    }

    static void signal(Process process, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }

    /** The last lines of a server's log, for the message that says why it did not start. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a database to start", e);
        }
    }
}
