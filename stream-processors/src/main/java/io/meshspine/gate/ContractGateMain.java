package io.meshspine.gate;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the contract gate alone in its own JVM from a config file, exactly as {@code ./spine run gate --config f}
 * loads it (the file, then {@code SPINE_*} environment overrides): {@code ContractGateMain --config gate.properties}.
 * Stops cleanly on SIGTERM/SIGINT; exits 1 when a permanent fault stops the gate. Used by the crash tests (kill -9
 * of a real process) where the whole launcher would be more than they need.
 */
public final class ContractGateMain {

    private ContractGateMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 || !args[0].equals("--config")) {
            System.err.println("usage: ContractGateMain --config <gate.properties>");
            System.exit(2);
        }
        SpineConfig settings;
        try {
            settings = GateSettings.DEFINITION.load(Path.of(args[1]), System.getenv());
        } catch (ConfigException e) {
            System.err.println("gate: " + e.getMessage());
            System.exit(2);
            return;
        }
        GateConfig config = GateSettings.parse(settings);
        ContractCatalog catalog = settings.find(CommonSettings.CONTRACTS_DIR).map(ContractCatalog::load).orElseGet(ContractCatalog::fromClasspath);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        String failed = null;
        try (ContractGateService gate = ContractGateService.start(config, catalog, new SimpleMeterRegistry(), ProductTransform.NONE)) {
            System.out.println("gate started application-id=" + config.applicationId());
            System.out.flush();
            while (failed == null && !stop.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                failed = gate.stoppedBecause().orElse(null);
            }
        }
        if (failed != null) {
            System.out.println("gate stopped processing: " + failed);
            System.exit(1);
        }
        System.out.println("gate stopped");
    }
}
