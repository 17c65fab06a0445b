package io.meshspine.sink;

import io.meshspine.core.contract.ContractCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The sink as its own process: {@code --bootstrap-servers h:p --registry url --lake dir [--contracts dir] [--group id]
 * [--max-records n] [--max-latency-ms n]}. Runs until SIGTERM, then closes gracefully. The CLI's {@code spine sink}
 * wraps the same {@link LakeSink#start}.
 */
public final class LakeSinkMain {

    private LakeSinkMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        SinkConfig config = SinkConfig.defaults(required(options, "bootstrap-servers"), required(options, "registry"))
                .withLakeRoot(options.getOrDefault("lake", SinkConfig.DEFAULT_LAKE_ROOT))
                .withGroupId(options.getOrDefault("group", SinkConfig.DEFAULT_GROUP_ID));
        BatchTrigger trigger = config.trigger();
        if (options.containsKey("max-records")) {
            trigger = trigger.withMaxRecords(Integer.parseInt(options.get("max-records")));
        }
        if (options.containsKey("max-latency-ms")) {
            trigger = trigger.withMaxLatency(Duration.ofMillis(Long.parseLong(options.get("max-latency-ms"))));
        }
        config = config.withTrigger(trigger);
        ContractCatalog catalog = options.containsKey("contracts") ? ContractCatalog.load(Path.of(options.get("contracts")))
                : ContractCatalog.fromClasspath();
        SinkService sink = LakeSink.start(config, catalog, new SimpleMeterRegistry());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sink.close();
            done.countDown();
        }, "spine-lake-sink-shutdown"));
        done.await();
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
