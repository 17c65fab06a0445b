package io.meshspine.gate;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.ops.HealthCheck;
import io.meshspine.core.ops.KafkaStreamsOps;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.function.LongSupplier;

/**
 * The contract gate as a running service: Kafka Streams with exactly_once_v2 over the topology of
 * {@link GateTopology}. Faults are handled by their {@link FaultClass}: a transient one is waited out inside the task
 * (see {@link GateProcessor}); past the retry budget the stream thread is replaced. A permanent fault or a bug stops
 * the gate: nothing more is processed, {@link #healthCheck()} turns FAILED with the reason, and the meter
 * {@code spine_gate_stopped} names the fault, so an orchestrator restarts it and an operator sees why.
 */
public final class ContractGateService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContractGateService.class);
    private static final Duration TRANSIENT_BACKOFF = Duration.ofSeconds(1);

    private final KafkaStreams streams;
    private final GateLineage lineage;
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;
    private volatile String stoppedBecause;

    private ContractGateService(KafkaStreams streams, GateLineage lineage, io.meshspine.core.privacy.DeadLetterSealer sealer) {
        this.streams = streams;
        this.lineage = lineage;
        this.sealer = sealer;
    }

    /**
     * Registers the product schemas (waiting out an unreachable registry within the retry budget), then starts the
     * streams. A registry that refuses the spine (401/403) or a schema (4xx) fails the start with its reason.
     */
    public static ContractGateService start(GateConfig config, ContractCatalog catalog, MeterRegistry meters, ProductTransform transform) {
        GateMetrics metrics = new GateMetrics(meters, config.qualityWindow());
        GateProcessor.GateRuntime runtime = runtimeWaitingForRegistry(config, catalog, metrics, transform);
        KafkaStreams streams = new KafkaStreams(GateTopology.buildTopology(config, catalog, runtime), streamsProperties(config));
        ContractGateService service = new ContractGateService(streams, runtime.lineage(), runtime.sealer());
        streams.setUncaughtExceptionHandler(exception -> service.onUncaught(exception, metrics));
        streams.setStateListener((now, before) -> log.info("gate state {} -> {}", before, now));
        streams.start();
        return service;
    }

    private StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onUncaught(Throwable exception, GateMetrics metrics) {
        FaultClass fault = FaultClass.of(exception);
        String reason = FaultClass.reason(exception);
        if (fault == FaultClass.TRANSIENT) {
            log.atWarn().addKeyValue("fault", "transient").log("gate stream thread failed on a transient fault, replacing it in {} ms: {}",
                    TRANSIENT_BACKOFF.toMillis(), reason);
            // Back off before the replacement thread retries: the failed transaction is aborted and nothing was
            // dead-lettered; the records are processed again from the last commit.
            sleepQuietly(TRANSIENT_BACKOFF);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        stoppedBecause = fault.name().toLowerCase(java.util.Locale.ROOT) + " fault: " + reason;
        metrics.stopped(fault);
        log.atError().addKeyValue("fault", fault.name().toLowerCase(java.util.Locale.ROOT)).setCause(exception)
                .log("gate stopped processing: {}. Nothing was dead-lettered for it; fix the cause and restart the gate.", reason);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
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
        p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, AnyTimestamp.class);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // A record waiting out the registry holds its transaction open and its thread away from poll(): both limits
        // must outlast the retry budget, or the broker aborts the transaction and the task's state is wiped.
        long outlast = config.transientRetryBudget().plusSeconds(60).toMillis();
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) Math.min(outlast, 900_000));
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), (int) Math.max(300_000, outlast));
        // Room for the largest product record plus its dead letter (which carries the original bytes).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Math.max(2 * config.maxProductRecordBytes() + 65_536, 1_048_576));
        producerTuning().forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
        if (config.groupInstanceId() != null) {
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.groupInstanceId());
        }
        return p;
    }

    /**
     * How the gate's producer batches: LZ4, and batches large enough that a new one (each costs an LZ4 frame and its
     * buffers) is not opened every few records; an EOS commit flushes them anyway, so the commit interval stays the
     * latency floor.
     */
    public static java.util.Map<String, Object> producerTuning() {
        return java.util.Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 131_072);
    }

    /**
     * Record timestamps are data, not the gate's clock: any value passes, and a record without one (negative) is
     * stamped with the time it is read instead of failing the stream thread or being skipped.
     */
    public static final class AnyTimestamp implements TimestampExtractor {
        @Override
        public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
            return record.timestamp() >= 0 ? record.timestamp() : System.currentTimeMillis();
        }
    }

    private static GateProcessor.GateRuntime runtimeWaitingForRegistry(GateConfig config, ContractCatalog catalog, GateMetrics metrics,
                                                                       ProductTransform transform) {
        long deadline = System.nanoTime() + config.transientRetryBudget().toNanos();
        while (true) {
            try {
                return runtime(config, catalog, metrics, transform, System::currentTimeMillis);
            } catch (RegistryUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                log.warn("registry unavailable while registering the product schemas, retrying: {}", e.getMessage());
                sleepQuietly(TRANSIENT_BACKOFF);
            }
        }
    }

    /** The gate with every product schema registered: done before any topology is built. */
    static GateProcessor.GateRuntime runtime(GateConfig config, ContractCatalog catalog, GateMetrics metrics,
                                             ProductTransform transform, LongSupplier clock) {
        RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(config.registryUrl()));
        ContractGate gate = new ContractGate(catalog, schemas, config.hashKey(), config.maxProductRecordBytes(), transform);
        long dlqId = DeadLetterCodec.contentId(schemas);
        log.info("gate ready contracts={} rawTopics={}", gate.contracts().size(), gate.rawTopics());
        GateLineage lineage = new GateLineage(io.meshspine.core.lineage.LineageEmitter.start(config.lineage(), metrics.registry()), catalog,
                config.bootstrapServers());
        io.meshspine.core.privacy.DeadLetterSealer sealer = null;
        if (config.privacy().encryptDeadLetters()) {
            java.util.Map<String, Object> client = new java.util.HashMap<>(config.clientProperties());
            client.put("bootstrap.servers", config.bootstrapServers());
            sealer = io.meshspine.core.privacy.DeadLetterSealer.over(config.privacy(), io.meshspine.core.topic.Topics.PRIVACY_KEYS, client,
                    catalog, new io.meshspine.core.render.WireDecoder(schemas));
        }
        return new GateProcessor.GateRuntime(gate, dlqId, metrics, clock, lineage, sealer);
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** UP while running; FAILED (liveness down) with the reason once a permanent fault or a bug stopped it. */
    public HealthCheck healthCheck() {
        HealthCheck streamsCheck = KafkaStreamsOps.healthCheck(streams);
        return () -> {
            String why = stoppedBecause;
            return why != null ? HealthCheck.Result.failed("stopped on a " + why) : streamsCheck.check();
        };
    }

    /** Why the gate stopped processing, if it did. */
    public java.util.Optional<String> stoppedBecause() {
        return java.util.Optional.ofNullable(stoppedBecause);
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
        // After the streams: the last interval's counts are final, then the life runs COMPLETE.
        lineage.close();
        if (sealer != null) {
            sealer.close();
        }
    }
}
