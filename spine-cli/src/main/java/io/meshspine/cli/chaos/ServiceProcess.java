package io.meshspine.cli.chaos;

import io.meshspine.testkit.ChildJvm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service of the spine as an operator runs it: its own JVM, {@code spine run <service> --config <file>}, the same
 * entry point and code path as {@code ./spine run}. Killed with SIGKILL (no shutdown hook, no flush, no close) and
 * started again on the same config, ports and state directories. Each start appends to the service's log file.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceProcess.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String service;
    private final Path config;
    private final int opsPort;
    private final Path logFile;
    private final Path tmpDir;
    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;

    ServiceProcess(String service, Path config, int opsPort, Path workDir, Map<String, String> environment, List<String> jvmOptions) {
        this.service = service;
        this.config = config;
        this.opsPort = opsPort;
        this.logFile = workDir.resolve(service + ".log");
        this.tmpDir = workDir.resolve("tmp-" + service);
        this.environment = environment;
        this.jvmOptions = jvmOptions;
    }

    String service() {
        return service;
    }

    Path logFile() {
        return logFile;
    }

    int starts() {
        return starts;
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(tmpDir, jvmOptions, "io.meshspine.cli.Spine",
                "run", service, "--config", config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // The file is the service's whole config: no SPINE_* override of the operator's shell may point it elsewhere.
        builder.environment().keySet().removeIf(k -> k.startsWith("SPINE_"));
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start `spine run " + service + "`", e);
        }
        starts++;
        log.info("chaos service started service={} pid={} start={}", service, process.pid(), starts);
    }

    /** kill -9: the JVM gets no chance to close anything. Returns once the process is gone. */
    synchronized void kill() {
        if (process == null) {
            return;
        }
        long pid = process.pid();
        process.destroyForcibly(); // SIGKILL on Linux
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("`spine run " + service + "` (pid " + pid + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("chaos service killed service={} pid={} exit={}", service, pid, process.exitValue());
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** The exit code when the process ended by itself (not by our kill): a service that gave up, which the run reports. */
    synchronized Integer exitCode() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    /** {@code GET /health/ready} answers 200: every stage of the service is UP. */
    boolean ready() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code /health} with every stage and its detail, for the message when a service does not come back. */
    String healthDetail() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "(no answer: " + e.getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /** SIGTERM and a clean stop at the end of the run; SIGKILL if it does not stop within 30 s. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
