package io.meshspine.core.topic;

import io.meshspine.core.contract.Contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The immutable list of topics the spine needs for a set of contracts: each contract's raw and product topics,
 * plus the central and internal ones. Provisioning creates exactly these; services look names up here.
 */
public final class TopicCatalogue {

    /** Partitions and retention of the topics; defaults fit one broker and are raised per environment. */
    public record Settings(int dataPartitions, Duration rawRetention, Duration productRetention, Duration deadLetterRetention) {

        public static Settings defaults() {
            return new Settings(4, Duration.ofDays(7), Duration.ofDays(7), Duration.ofDays(30));
        }
    }

    private static final String FOREVER = "-1";

    private final Map<String, TopicSpec> topics;

    private TopicCatalogue(Map<String, TopicSpec> topics) {
        this.topics = topics;
    }

    public static TopicCatalogue of(List<Contract> contracts) {
        return of(contracts, Settings.defaults());
    }

    public static TopicCatalogue of(List<Contract> contracts, Settings settings) {
        Map<String, TopicSpec> topics = new LinkedHashMap<>();
        for (Contract contract : contracts) {
            // Several major versions share one raw topic; the first one declares it.
            topics.putIfAbsent(contract.rawTopic(), new TopicSpec(contract.rawTopic(), TopicRole.RAW, settings.dataPartitions(),
                    deleteAfter(settings.rawRetention()), "business key (Avro)", "raw record (Avro, registry wire format)"));
            topics.put(contract.productTopic(), new TopicSpec(contract.productTopic(), TopicRole.PRODUCT, settings.dataPartitions(),
                    deleteAfter(settings.productRetention()), "business key (Avro)", contract.qualifiedName() + " record (Avro, PII masked)"));
        }
        add(topics, new TopicSpec(Topics.DLQ, TopicRole.DEAD_LETTER, settings.dataPartitions(),
                withMaxBytes(deleteAfter(settings.deadLetterRetention()), Topics.DEAD_LETTER_MAX_BYTES), "original key bytes", "dead-letter envelope (Avro)"));
        add(topics, new TopicSpec(Topics.DLQ_PARKED, TopicRole.DEAD_LETTER, 1,
                withMaxBytes(Map.of("cleanup.policy", "delete", "retention.ms", FOREVER), Topics.DEAD_LETTER_MAX_BYTES),
                "original key bytes", "dead-letter envelope (Avro)"));
        add(topics, new TopicSpec(Topics.AUDIT, TopicRole.AUDIT, 1,
                Map.of("cleanup.policy", "delete", "retention.ms", FOREVER), "action id", "audit entry (JSON)"));
        add(topics, new TopicSpec(Topics.LINEAGE, TopicRole.AUDIT, 1,
                deleteAfter(settings.deadLetterRetention()), "run id", "OpenLineage run event (JSON)"));
        add(topics, compacted(Topics.DLQ_STATE, "dead-letter id", "replay state (JSON)"));
        add(topics, compacted(Topics.INGEST_FILES, "file content hash", "ledger entry (JSON)"));
        // Compacted, and rolled/cleaned within a day so that a destroyed data key's wrapped bytes leave the log too.
        add(topics, new TopicSpec(Topics.PRIVACY_KEYS, TopicRole.STATE, 1, Map.of("cleanup.policy", "compact",
                "min.compaction.lag.ms", "0", "segment.ms", Long.toString(Duration.ofHours(1).toMillis()),
                "max.compaction.lag.ms", Long.toString(Duration.ofDays(1).toMillis()), "min.cleanable.dirty.ratio", "0.01"),
                "subject HMAC / data key id", "wrapped data key, destroyed key or erasure marker (JSON)"));
        add(topics, compacted(Topics.CDC_OFFSETS, "Debezium partition", "Debezium offset (JSON)"));
        // The CDC engines' schema histories (Topics.cdcSchemaHistory, one per engine) are not declared: Debezium creates
        // each when its engine first starts (one partition, kept forever), and their names depend on the lane's engines.
        return new TopicCatalogue(java.util.Collections.unmodifiableMap(topics));
    }

    private static void add(Map<String, TopicSpec> topics, TopicSpec spec) {
        topics.put(spec.name(), spec);
    }

    private static TopicSpec compacted(String name, String key, String value) {
        return new TopicSpec(name, TopicRole.STATE, 1,
                Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0"), key, value);
    }

    private static Map<String, String> withMaxBytes(Map<String, String> configs, int maxBytes) {
        Map<String, String> m = new LinkedHashMap<>(configs);
        m.put("max.message.bytes", Integer.toString(maxBytes));
        return Map.copyOf(m);
    }

    private static Map<String, String> deleteAfter(Duration retention) {
        return Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(retention.toMillis()));
    }

    public List<TopicSpec> topics() {
        return new ArrayList<>(topics.values());
    }

    public Optional<TopicSpec> find(String name) {
        return Optional.ofNullable(topics.get(name));
    }
}
