package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.SpineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ./spine run <service> --config <file>}: one service against an external Kafka cluster and registry. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run one service of the spine against an external Kafka cluster and registry, until SIGTERM or Ctrl-C.",
                "Settings: the --config properties file, then SPINE_* environment variables over it (see the README's tables).",
                "Exit codes: 0 stopped cleanly, 2 bad configuration (the message names the key), 1 failed."})
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<service>", completionCandidates = ServiceNames.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    String service;

    @Option(names = "--config", paramLabel = "<file>", description = "Properties file of the service's settings (optional: defaults and SPINE_* variables).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective settings (secrets hidden) and exit.")
    boolean printConfig;

    static final class ServiceNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Services.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        SpineService s = Services.find(service).orElse(null);
        if (s == null) {
            System.err.println("spine run: no service '" + service + "'; one of " + String.join(", ", Services.names()));
            return 2;
        }
        SpineConfig settings;
        try {
            settings = s.definition().load(config, System.getenv());
        } catch (ConfigException e) {
            System.err.println("spine run " + service + ": " + e.getMessage());
            return 2;
        }
        if (printConfig) {
            System.out.println(settings);
            return 0;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), sig -> stop.countDown());
        Signal.handle(new Signal("TERM"), sig -> stop.countDown());
        // Each line in one write: service logs go to stderr on the same pipe (docker logs, a supervisor's log file).
        java.io.PrintStream out = io.meshspine.cli.internal.WholeLines.stdout();
        java.io.PrintStream err = io.meshspine.cli.internal.WholeLines.stderr();
        String failed = null;
        try (ServiceHost host = ServiceHost.start(s, settings)) {
            out.printf("spine %s running; %s/metrics %s/health; SIGTERM or Ctrl-C stops it%n", service, host.opsUrl(), host.opsUrl());
            failed = awaitStopOrFailure(stop, host, settings.get(CommonSettings.FAILED_EXIT_GRACE));
            out.printf("spine %s stopping...%n", service);
        } catch (ConfigException e) {
            err.println("spine run " + service + ": " + e.getMessage());
            return 2;
        }
        if (failed != null) {
            err.printf("spine %s failed: %s%n", service, failed);
            return 1;
        }
        out.printf("spine %s stopped.%n", service);
        return 0;
    }

    /**
     * Waits for SIGTERM/Ctrl-C, or for the service's liveness to have been DOWN (a permanent fault or a bug) for the
     * grace: then returns why, and the process exits 1 instead of serving a dead service forever.
     */
    private static String awaitStopOrFailure(CountDownLatch stop, ServiceHost host, java.time.Duration grace) throws InterruptedException {
        long downSince = 0;
        while (!stop.await(500, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            var liveness = host.health().liveness();
            if (liveness.up()) {
                downSince = 0;
            } else if (downSince == 0) {
                downSince = System.nanoTime();
            } else if (System.nanoTime() - downSince >= grace.toNanos()) {
                return liveness.checks().stream().map(c -> c.name() + ": " + c.detail()).collect(java.util.stream.Collectors.joining("; "));
            }
        }
        return null;
    }
}
