package io.meshspine.testkit;

import io.meshspine.testkit.internal.TempDirs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The real Apicurio Registry server (Apicurio's own distribution from Maven Central, unpacked by the build) as
 * a child process with in-memory storage, bound to 127.0.0.1 on a free port.
 *
 * <p>The child runs under a small bash guard that holds a pipe from this JVM: when this JVM goes away in any way,
 * a crash or kill -9 included, the pipe closes and the guard stops the registry, so no orphan is left behind.
 */
public final class ApicurioRegistryServer implements SchemaRegistryEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ApicurioRegistryServer.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final int START_ATTEMPTS = 3;

    /**
     * Starts the guard, which starts the registry and waits for EOF on stdin (our pipe) or for the registry to
     * end; either way it then stops the registry. SIGTERM to the guard does the same.
     */
    private static final String GUARD_SCRIPT = """
            exec 3<&0
            "$@" </dev/null >>"$SPINE_REGISTRY_LOG" 2>&1 &
            child=$!
            cat <&3 >/dev/null &
            watcher=$!
            trap 'kill -TERM $child $watcher 2>/dev/null' TERM INT HUP
            wait -n $child $watcher
            kill -TERM $child $watcher 2>/dev/null
            wait $child
            """;

    private final Process guard;
    private final int port;
    private final Path workDir;
    private volatile boolean closed;

    private ApicurioRegistryServer(Process guard, int port, Path workDir) {
        this.guard = guard;
        this.port = port;
        this.workDir = workDir;
    }

    /** Starts the registry from the distribution the build unpacked (see {@link #distributionHome()}). */
    public static ApicurioRegistryServer start() {
        return start(distributionHome());
    }

    public static ApicurioRegistryServer start(Path home) {
        return start(home, 0);
    }

    /** As {@link #start(Path)}, listening on {@code preferredPort} when it is free (0: any free port). */
    public static ApicurioRegistryServer start(Path home, int preferredPort) {
        Path runner = runnerJar(home);
        RuntimeException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = attempt == 1 ? FreePorts.preferredOrNext(preferredPort) : FreePorts.next();
            Path workDir = TempDirs.create("spine-registry-");
            Process guard = launch(runner, port, workDir);
            ApicurioRegistryServer server = new ApicurioRegistryServer(guard, port, workDir);
            try {
                server.awaitReady();
                log.info("registry started url={} pid={}", server.baseUrl(), guard.pid());
                return server;
            } catch (RuntimeException e) {
                last = e;
                log.warn("registry failed to start attempt={} port={} reason={}", attempt, port, e.getMessage());
                server.close();
            }
        }
        throw new IllegalStateException("the Apicurio Registry did not start after " + START_ATTEMPTS + " attempts", last);
    }

    private static Process launch(Path runner, int port, Path workDir) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        // A session of its own: Ctrl-C at a terminal signals the whole foreground process group, and the registry must
        // outlive the JVM's clean shutdown (the gate still asks it for schemas); the pipe guard ends it after the JVM.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.addAll(List.of("bash", "-c", GUARD_SCRIPT, "spine-registry-guard",
                java.toString(),
                // C1 only and a small heap: ~4 s to ready instead of ~8 s, ~250 MB RSS.
                "-XX:TieredStopAtLevel=1", "-Xmx256m", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + workDir,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.enabled=false",
                "-Dquarkus.log.level=WARN",
                "-Dapicurio.storage.kind=sql",
                "-Dapicurio.storage.sql.kind=h2",
                "-Dapicurio.datasource.url=jdbc:h2:mem:registry",
                "-Dapicurio.rest.deletion.artifact.enabled=true",
                "-Dapicurio.rest.deletion.artifact-version.enabled=true",
                "-jar", runner.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("SPINE_REGISTRY_LOG", workDir.resolve("registry.log").toString());
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Apicurio Registry (" + runner + "): is bash installed?", e);
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        Instant started = Instant.now();
        await("Apicurio Registry ready on " + baseUrl())
                .atMost(READY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsMatching(e -> e instanceof IOException)
                .until(() -> {
                    if (!guard.isAlive()) {
                        throw new IllegalStateException("the registry process exited with code " + guard.exitValue()
                                + " before it was ready; last log lines:\n" + logTail());
                    }
                    return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                });
        log.debug("registry ready after {} ms", Duration.between(started, Instant.now()).toMillis());
    }

    /** The last lines of the registry's log, for error messages. */
    public String logTail() {
        Path file = workDir.resolve("registry.log");
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + file + ")";
        }
    }

    /**
     * Where the unpacked distribution is: {@code -Dspine.registry.home}, then {@code SPINE_REGISTRY_HOME}, then the
     * directory the spine-testkit build unpacked it into.
     */
    public static Path distributionHome() {
        String explicit = System.getProperty("spine.registry.home", System.getenv("SPINE_REGISTRY_HOME"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        Properties built = new Properties();
        try (InputStream in = ApicurioRegistryServer.class.getResourceAsStream("registry.properties")) {
            if (in == null) {
                throw new IllegalStateException("spine-testkit is missing registry.properties: rebuild it with ./mvnw -pl spine-testkit install");
            }
            built.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Path.of(built.getProperty("registry.home"));
    }

    private static Path runnerJar(Path home) {
        try (var files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no Apicurio Registry *-runner.jar in " + home
                            + ": run ./mvnw -B -pl spine-testkit -am install to unpack the distribution"));
        } catch (IOException e) {
            throw new IllegalStateException("the Apicurio Registry distribution is not at " + home
                    + ": run ./mvnw -B -pl spine-testkit -am install, or set SPINE_REGISTRY_HOME", e);
        }
    }

    @Override
    public String baseUrl() {
        return "http://" + FreePorts.LOOPBACK + ":" + port;
    }

    @Override
    public String describe() {
        return "Apicurio Registry (child pid " + guard.pid() + ") at " + registryUrl();
    }

    public long pid() {
        return guard.pid();
    }

    /** Closing our end of the pipe makes the guard stop the registry with SIGTERM and wait for it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> family = new ArrayList<>(guard.descendants().toList());
        try {
            guard.getOutputStream().close();
            if (!guard.waitFor(20, TimeUnit.SECONDS)) {
                log.warn("registry did not stop within 20 s, killing it pid={}", guard.pid());
            }
        } catch (IOException e) {
            log.warn("cannot close the registry guard pipe: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            family.forEach(ProcessHandle::destroyForcibly);
            guard.destroyForcibly();
            TempDirs.deleteQuietly(workDir);
            log.info("registry stopped url={}", baseUrl());
        }
    }
}
