package io.meshspine.gate;

import io.meshspine.core.contract.ContractCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import sun.misc.Signal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the contract gate alone in its own JVM:
 * {@code --bootstrap-servers h:p --registry url --contracts dir --application-id id --state-dir dir [--instance-id id]}, hash key from
 * {@code SPINE_GATE_HASH_KEY}. Stops cleanly on SIGTERM/SIGINT. Used by the crash tests (kill -9 of a real process);
 * {@code ./spine run gate} grows from it.
 */
public final class ContractGateMain {

    private ContractGateMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, found " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        String key = System.getenv("SPINE_GATE_HASH_KEY");
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("SPINE_GATE_HASH_KEY is not set: the gate needs a key for hash masking");
        }
        GateConfig config = GateConfig.defaults(require(options, "bootstrap-servers"), require(options, "registry"),
                key.getBytes(StandardCharsets.UTF_8), Path.of(require(options, "state-dir")))
                .withApplicationId(options.getOrDefault("application-id", GateConfig.DEFAULT_APPLICATION_ID))
                .withGroupInstanceId(options.get("instance-id"));
        ContractCatalog catalog = options.containsKey("contracts")
                ? ContractCatalog.load(Path.of(options.get("contracts"))) : ContractCatalog.fromClasspath();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try (ContractGateService gate = ContractGateService.start(config, catalog, new SimpleMeterRegistry(), ProductTransform.NONE)) {
            System.out.println("gate started application-id=" + config.applicationId());
            System.out.flush();
            stop.await();
        }
        System.out.println("gate stopped");
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return value;
    }
}
