package io.meshspine.ingest.cdc;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.privacy.DeadLetterSealer;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.internal.CdcMetrics;
import io.meshspine.ingest.cdc.internal.DatabaseCapture;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CDC lane: one Debezium embedded engine per PostgreSQL database and one for the MariaDB server ({@link CaptureSource}), capturing every table the
 * contracts with lane {@code cdc} bind to that database and routing each change to its contract's raw topic (see
 * {@code DatabaseCapture} for prerequisites, delivery, deletes and schema changes). One idempotent producer is
 * shared by all of them.
 *
 * <pre>{@code
 * try (CdcLane lane = CdcLane.start(CdcConfig.defaults(bootstrap, registryUrl), ContractCatalog.fromClasspath(), meters)) {
 *     lane.states();   // {crm.customers.v1=RUNNING, accounts.services.v1=RUNNING}
 * }
 * }</pre>
 */
public final class CdcLane implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CdcLane.class);

    private final Producer<byte[], byte[]> producer;
    private final List<DatabaseCapture> captures;
    private final LineageEmitter lineage;
    /** Seals the lane's dead letters of contracts with PII (issue 16); null: in clear. */
    private final DeadLetterSealer sealer;

    private CdcLane(Producer<byte[], byte[]> producer, List<DatabaseCapture> captures, LineageEmitter lineage, DeadLetterSealer sealer) {
        this.producer = producer;
        this.captures = captures;
        this.lineage = lineage;
        this.sealer = sealer;
    }

    /** Starts a capture for every contract of the catalogue whose lane is {@code cdc}. */
    public static CdcLane start(CdcConfig config, ContractCatalog contracts, MeterRegistry metrics) {
        return start(config, contracts, metrics, LineageConfig.NONE);
    }

    /** The same, with run events per snapshot and streaming session of each contract (see {@code CaptureLineage}). */
    public static CdcLane start(CdcConfig config, ContractCatalog contracts, MeterRegistry metrics, LineageConfig lineage) {
        return start(config, contracts.contracts().stream().filter(c -> c.lane() == Lane.CDC).toList(), metrics, lineage);
    }

    /** {@link #start(CdcConfig, List, MeterRegistry, LineageConfig)} with lineage off. */
    public static CdcLane start(CdcConfig config, List<Contract> contracts, MeterRegistry metrics) {
        return start(config, contracts, metrics, LineageConfig.NONE);
    }

    /**
     * Starts one capture per source database of these contracts (all must be CDC contracts). Returns at once: each
     * engine checks its database's prerequisites, connects, snapshots and streams on its own thread; watch
     * {@link #states()}. A database that cannot be captured (wal_level, grants, credentials) turns its tables
     * {@link CaptureState#FAILED}, and a table that cannot (no such table, replica identity, no key) turns FAILED
     * alone, without stopping the others; {@link #stopDetail} says why and how to fix it. A database or broker that
     * does not answer is waited out: the tables are {@link CaptureState#RETRYING} and the engine starts again.
     */
    public static CdcLane start(CdcConfig config, List<Contract> contracts, MeterRegistry metrics, LineageConfig lineageConfig) {
        for (Contract c : contracts) {
            if (c.lane() != Lane.CDC) {
                throw new IllegalArgumentException(c.qualifiedName() + " is not a CDC contract (lane " + c.lane() + ")");
            }
        }
        Producer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(), new ByteArraySerializer());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(config.registryUrl()));
        CdcMetrics meters = new CdcMetrics(metrics);
        Map<CaptureSource, List<Contract>> bySource = config.sources(contracts);
        List<DatabaseCapture> captures = new ArrayList<>();
        LineageEmitter lineage = LineageEmitter.start(lineageConfig, metrics);
        // The one sealer of the gate, sink, backfill and file lane; it opens the key store only for a dead letter of a PII contract.
        DeadLetterSealer sealer = config.privacy() == null || !config.privacy().encryptDeadLetters() ? null
                : DeadLetterSealer.over(config.privacy(), Topics.PRIVACY_KEYS, config.clientProperties(),
                        ContractCatalog.of(contracts), new WireDecoder(registry));
        bySource.forEach((source, bound) -> captures.add(new DatabaseCapture(config, source, bound, producer, registry, meters, lineage, sealer)));
        CdcLane lane = new CdcLane(producer, Collections.unmodifiableList(captures), lineage, sealer);
        captures.forEach(DatabaseCapture::start);
        LOG.info("cdc lane started sources={} contracts={} name={} snapshotMode={}", bySource.keySet(),
                contracts.stream().map(Contract::qualifiedName).toList(), config.name(), config.snapshotMode());
        return lane;
    }

    static Map<String, Object> producerConfig(CdcConfig config) {
        Map<String, Object> p = config.clientProperties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.name() + "-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // The raw topic's own limit refuses an oversized change; its dead letter, which carries it, must still be sendable.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.DEAD_LETTER_MAX_BYTES);
        // Broker unavailability: the producer retries within the delivery timeout, the lane resends after it.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofMinutes(2).toMillis());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) Duration.ofSeconds(30).toMillis());
        return p;
    }

    /** Each capture's state, by contract ({@code <domain>.<dataset>.v<major>}), in start order. */
    public Map<String, CaptureState> states() {
        Map<String, CaptureState> states = new LinkedHashMap<>();
        captures.forEach(capture -> states.putAll(capture.states()));
        return states;
    }

    /** The state of one contract's capture, by {@code <domain>.<dataset>.v<major>}. */
    public Optional<CaptureState> state(String contract) {
        return captures.stream().map(c -> c.state(contract)).flatMap(Optional::stream).findFirst();
    }

    /** Why a contract's capture stopped (incompatible change, failure), or why it is retrying (the transient cause). */
    public Optional<String> stopDetail(String contract) {
        return captures.stream().filter(c -> c.state(contract).isPresent()).findFirst().flatMap(c -> c.stopDetail(contract));
    }

    /** The source databases captured, one engine each. */
    public List<CaptureSource> sources() {
        return captures.stream().map(DatabaseCapture::source).toList();
    }

    /** Stops every engine (storing the positions of what was published), then the producer. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        captures.parallelStream().forEach(c -> {
            try {
                c.close();
            } catch (RuntimeException e) {
                synchronized (failures) {
                    failures.add(e);
                }
            }
        });
        producer.close(Duration.ofSeconds(10));
        if (sealer != null) {
            sealer.close();
        }
        // After the captures: their last run events (COMPLETE, FAIL) are queued by then and sent here.
        lineage.close();
        LOG.info("cdc lane stopped states={}", states());
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
