package io.meshspine.gate;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * The contract gate as a running service: Kafka Streams with exactly_once_v2 over the topology of
 * {@link GateTopology}. A transient fault (registry or broker unreachable) fails the stream thread; the thread is
 * replaced and resumes from the last committed transaction, so nothing is lost, duplicated or dead-lettered for it.
 */
public final class ContractGateService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContractGateService.class);
    private static final Duration TRANSIENT_BACKOFF = Duration.ofSeconds(1);

    private final KafkaStreams streams;

    private ContractGateService(KafkaStreams streams) {
        this.streams = streams;
    }

    public static ContractGateService start(GateConfig config, ContractCatalog catalog, MeterRegistry meters, ProductTransform transform) {
        GateMetrics metrics = new GateMetrics(meters, config.qualityWindow());
        Supplier<GateProcessor.GateRuntime> runtime = memoize(() -> runtime(config, catalog, metrics, transform, System::currentTimeMillis));
        KafkaStreams streams = new KafkaStreams(GateTopology.buildTopology(config, catalog, runtime), streamsProperties(config));
        streams.setUncaughtExceptionHandler(exception -> {
            Throwable root = rootCause(exception);
            if (root instanceof RegistryUnavailableException) {
                log.warn("gate stream thread failed on a transient fault, replacing it in {} ms: {}", TRANSIENT_BACKOFF.toMillis(), root.getMessage());
                // Back off before the replacement thread retries: the failed transaction is aborted and nothing was
                // dead-lettered; the records are processed again from the last commit.
                sleepQuietly(TRANSIENT_BACKOFF);
            } else {
                log.error("gate stream thread failed, replacing it", exception);
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("gate state {} -> {}", before, now));
        streams.start();
        return new ContractGateService(streams);
    }

    static Properties streamsProperties(GateConfig config) {
        Properties p = new Properties();
        // TLS/SASL and other client settings first, so the gate's own guarantees below cannot be overridden by them.
        p.putAll(config.clientProperties());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, (int) config.commitInterval().toMillis());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Room for the largest product record plus its dead letter (which carries the original bytes).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Math.max(2 * config.maxProductRecordBytes() + 65_536, 1_048_576));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        if (config.groupInstanceId() != null) {
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.groupInstanceId());
        }
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        return p;
    }

    static GateProcessor.GateRuntime runtime(GateConfig config, ContractCatalog catalog, GateMetrics metrics,
                                             ProductTransform transform, java.util.function.LongSupplier clock) {
        RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(config.registryUrl()));
        ContractGate gate = new ContractGate(catalog, schemas, config.hashKey(), config.maxProductRecordBytes(), transform);
        long dlqId = DeadLetterCodec.contentId(schemas);
        log.info("gate ready contracts={} rawTopics={}", gate.contracts().size(), gate.rawTopics());
        return new GateProcessor.GateRuntime(gate, dlqId, metrics, clock);
    }

    /** Built once, on first successful use; a failure (registry down) is retried by the next caller. */
    static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        v = value;
                        if (v == null) {
                            v = supplier.get();
                            value = v;
                        }
                    }
                }
                return v;
            }
        };
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
