package io.meshspine.core.topic;

/**
 * Every topic name of the spine, in one place (DESIGN.md's conventions). Nothing else spells a topic name:
 * code, tests and docs ask here.
 */
public final class Topics {

    /** The central dead-letter queue: every record that failed anywhere, with its original bytes. */
    public static final String DLQ = "spine.dlq";
    /** Dead letters taken out of the active queue (loop guard, or parked by a steward). */
    public static final String DLQ_PARKED = "spine.dlq.parked";
    /**
     * The largest record the dead-letter topics take (their {@code max.message.bytes}): a record its own topic refused
     * for size is dead-lettered with its original bytes, so the DLQ must take more than any data topic.
     */
    public static final int DEAD_LETTER_MAX_BYTES = 16 * 1024 * 1024;
    /** Who did what to which dead letters, when. */
    public static final String AUDIT = "spine.audit";
    /** Replay progress per dead letter (compacted), so an interrupted replay resumes exactly once. */
    public static final String DLQ_STATE = "spine.dlq.state";
    /** The file lane's ledger (compacted): files processed, by content hash, and chunk progress. */
    public static final String INGEST_FILES = "spine.ingest.files";
    /** Debezium's source offsets (compacted). */
    public static final String CDC_OFFSETS = "spine.cdc.offsets";
    /** The prefix of Debezium's schema histories: each CDC engine has its own, named by {@link #cdcSchemaHistory}. */
    private static final String CDC_SCHEMA_HISTORY = "spine.cdc.schema-history";

    /**
     * Wrapped data keys of the data subjects (compacted, keyed by an HMAC of the subject and the key id; never the
     * subject in clear), destroyed-key records and erasure markers.
     */
    public static final String PRIVACY_KEYS = "spine.privacy.keys";

    /** OpenLineage run events (JSON, keyed by run id): every lane's, the gate's, the sink's and the stewards' runs. */
    public static final String LINEAGE = "spine.lineage";

    private Topics() {
    }

    /** {@code raw.<domain>.<dataset>}: what the lanes write, before the gate; shared by all major versions. */
    public static String raw(String domain, String dataset) {
        return "raw." + domain + "." + dataset;
    }

    /** {@code <domain>.<dataset>.v<major>}: the product topic consumers read. */
    public static String product(String domain, String dataset, int majorVersion) {
        return domain + "." + dataset + ".v" + majorVersion;
    }

    /**
     * {@code spine.cdc.schema-history.<engine>}: the schema history of one CDC engine (one per PostgreSQL database, one
     * for the MariaDB server), which Debezium requires to be the engine's alone and creates itself (one partition, kept
     * forever).
     */
    public static String cdcSchemaHistory(String engine) {
        return CDC_SCHEMA_HISTORY + "." + engine;
    }

    /** The domain a {@code raw.<domain>.<dataset>} topic name tells, if it is one. */
    public static java.util.Optional<String> rawDomain(String topic) {
        if (topic == null || !topic.startsWith("raw.")) {
            return java.util.Optional.empty();
        }
        String[] parts = topic.split("\\.", -1);
        return parts.length >= 3 && !parts[1].isEmpty() && !parts[2].isEmpty() ? java.util.Optional.of(parts[1]) : java.util.Optional.empty();
    }

    /** Internal topics start with {@code spine.}; nothing a lane or a producer may write to directly. */
    public static boolean isInternal(String topic) {
        return topic.startsWith("spine.");
    }
}
