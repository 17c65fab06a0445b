package io.meshspine.cli;

import io.meshspine.cli.internal.DurationConverter;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.render.RecordRenderer;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code ./spine tail <topic>}: the records of any spine topic as JSON lines, decoded through the registry and masked
 * as on a product topic ({@link RecordRenderer}). Reads read_committed with assigned partitions and no consumer group,
 * so it commits nothing and disturbs no one.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the records of a spine topic as JSON lines, decoded through the registry: product topics as "
                + "consumers see them, " + Topics.DLQ + " and " + Topics.DLQ_PARKED + " for stewards (each dead letter with its original "
                + "key and value decoded), raw topics for source teams.",
                "",
                "One object per record: topic, partition, offset, timestamp, key, headers, value. What does not decode is shown "
                        + "as base64 with the reason (undecodable).",
                "",
                "PII: raw records (raw topics, and dead letters' originals) have their contract's PII fields shown as "
                        + PiiMask.MASKED + " and their undecodable bytes withheld; product topics are masked already. A topic no "
                        + "contract names needs --show-pii.",
                "",
                "Reads read_committed from assigned partitions, and commits no offsets.",
                ""},
        footer = {"", "Exit codes: 0 done (end of topic, --max or --timeout; Ctrl-C stops cleanly too); 1 no such topic, or nothing says which "
                + "of its fields are PII; 2 wrong usage; 3 the broker or the registry could not be reached."})
final class TailCommand implements Callable<Integer> {

    static final int REFUSED = 1;
    static final int UNREACHABLE = 3;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(15);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<topic>", description = "The topic to read.")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the earliest record, and stop at the end of the topic (unless "
            + "--timeout is given). Default: only records that arrive from now on, until Ctrl-C.")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N records.")
    Long max;

    @Option(names = "--timeout", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "Stop when no record has arrived for this long (500ms, 10s, 5m, 1h or ISO-8601 like PT30S).")
    Duration timeout;

    @Option(names = "--show-pii", description = "Print raw records' PII fields and bytes unmasked (you are accountable for it).")
    boolean showPii;

    @Option(names = "--registry", paramLabel = "<url>", defaultValue = "${env:SPINE_REGISTRY_URL:-http://127.0.0.1:8080/apis/registry/v3}",
            description = "Apicurio's v3 API (default: $SPINE_REGISTRY_URL or ${DEFAULT-VALUE}).")
    String registry;

    @Option(names = "--bootstrap-servers", paramLabel = "<host:port>",
            defaultValue = "${env:SPINE_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka cluster (default: $SPINE_KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    private final Supplier<ContractCatalog> contracts;

    TailCommand() {
        this(ContractCatalog::fromClasspath);
    }

    /** With the contracts that say which topics exist and which fields are PII (tests give their own). */
    TailCommand(Supplier<ContractCatalog> contracts) {
        this.contracts = contracts;
    }

    @Override
    public Integer call() {
        if (max != null && max < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max must be at least 1, was " + max);
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        ContractCatalog catalog = contracts.get();
        Set<String> existing;
        try {
            existing = topicsOnBroker();
        } catch (TimeoutException | ExecutionException e) {
            err.println("error: cannot reach the Kafka cluster at " + bootstrapServers + " (" + (e.getCause() == null ? e : e.getCause()) + ")");
            return UNREACHABLE;
        }
        if (!existing.contains(topic)) {
            err.println("error: topic '" + topic + "' does not exist on " + bootstrapServers);
            TopicCatalogue spineTopics = TopicCatalogue.of(catalog.contracts());
            List<String> known = existing.stream().filter(t -> spineTopics.find(t).isPresent() || Topics.isInternal(t)).sorted().toList();
            err.println(known.isEmpty() ? "no spine topics exist there (create them with: spine contracts provision)"
                    : "spine topics there:\n  " + String.join("\n  ", known));
            return REFUSED;
        }
        RecordRenderer renderer = new RecordRenderer(new RegistrySchemas(new ApicurioClient(registry)), catalog, showPii);
        if (renderer.maskFor(topic) instanceof PiiMask.Withhold withheld) {
            err.println("error: " + withheld.why() + "; pass --show-pii to print its records unmasked");
            return REFUSED;
        }
        CountDownLatch closed = new CountDownLatch(1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // Ctrl-C: wake the poll, and let the loop finish its line and close the consumer before the JVM goes.
            Thread stop = new Thread(() -> {
                consumer.wakeup();
                awaitQuietly(closed);
            }, "spine-tail-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            try {
                return follow(consumer, renderer, out);
            } finally {
                removeQuietly(stop);
            }
        } catch (RegistryUnavailableException e) {
            err.println("error: " + e.getMessage());
            return UNREACHABLE;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            err.println("error: cannot reach the Kafka cluster at " + bootstrapServers + " (" + e.getMessage() + ")");
            return UNREACHABLE;
        } finally {
            out.flush();
            closed.countDown();
        }
    }

    private int follow(KafkaConsumer<byte[], byte[]> consumer, RecordRenderer renderer, PrintStream out) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, BROKER_TIMEOUT).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        partitions.forEach(consumer::position); // fixes "the end" now, not at the first poll
        // read_committed: the end offsets are the last stable offsets, so an open transaction is not waited for.
        Map<TopicPartition, Long> stopAt = fromBeginning && timeout == null ? consumer.endOffsets(partitions) : null;
        long printed = 0;
        long lastArrival = System.nanoTime();
        try {
            while (stopAt == null || !reached(consumer, stopAt)) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    out.println(renderer.line(record));
                    if (max != null && ++printed >= max) {
                        return 0;
                    }
                }
                out.flush();
                if (!records.isEmpty()) {
                    lastArrival = System.nanoTime();
                } else if (timeout != null && System.nanoTime() - lastArrival >= timeout.toNanos()) {
                    return 0;
                }
            }
            return 0;
        } catch (WakeupException e) {
            return 0;
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private Set<String> topicsOnBroker() throws TimeoutException, ExecutionException {
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) BROKER_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) BROKER_TIMEOUT.toMillis()));
        try {
            return admin.listTopics().names().get(BROKER_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    private Map<String, Object> consumerConfig() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(java.util.Locale.ROOT),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "spine-tail",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) BROKER_TIMEOUT.toMillis());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeQuietly(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already stopping: the hook is running, and waits for the consumer to close
        }
    }
}
