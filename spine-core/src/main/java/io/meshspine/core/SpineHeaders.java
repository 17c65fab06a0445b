package io.meshspine.core;

import java.nio.charset.StandardCharsets;

/** The Kafka headers of DESIGN.md, in one place. Values are UTF-8 strings. */
public final class SpineHeaders {

    public static final String CORRELATION_ID = "spine.correlation-id";
    /** cdc | file | event. */
    public static final String SOURCE = "spine.source";
    /** {@code <domain>.<dataset>.v<major>} of the contract that judged the record. */
    public static final String CONTRACT = "spine.contract";
    /** The contract's version (semantic, e.g. 1.2.0); on a raw record, the major the producer targets. */
    public static final String CONTRACT_VERSION = "spine.contract-version";
    /** The dead-letter id a replayed record comes from. */
    public static final String REPLAY_OF = "spine.replay-of";
    public static final String REPLAY_COUNT = "spine.replay-count";
    /** Where in its source the record was: an LSN, a binlog position, a file hash and line. Makes re-deliveries recognisable. */
    public static final String SOURCE_POSITION = "spine.source-position";
    /**
     * On a product record: {@code <partition>:<offset>} of the raw record the gate judged, so a product record can be
     * matched with the raw record Bronze keeps (what a backfill's {@code --replace} needs to join its snapshot of Bronze
     * with the offsets the live Silver table holds).
     */
    public static final String RAW_OFFSET = "spine.raw-offset";
    /** The warn-severity rules a passed record broke, comma separated. */
    public static final String WARNINGS = "spine.warnings";
    /**
     * The lineage run that wrote the record: on a product record, the gate's interval run for its contract (a UUID, the
     * {@code run.runId} of that run's OpenLineage events). The gate sets it; a value arriving on a raw record is replaced.
     */
    public static final String RUN_ID = "spine.run-id";
    /** What {@link #RUN_ID} adds to a product record's size: key and a 36-character UUID. */
    public static final int RUN_ID_HEADER_BYTES = RUN_ID.length() + 36;
    /** W3C trace context, passed through untouched. */
    public static final String TRACEPARENT = "traceparent";
    /** W3C trace context's vendor part, passed through with {@link #TRACEPARENT}. */
    public static final String TRACESTATE = "tracestate";

    /**
     * The raw headers the gate copies onto a product record (the trace context and the source's lineage); every
     * other raw header stays behind, so whatever a producer attaches does not leak into the domains' product topics.
     */
    public static final java.util.Set<String> PASSED_TO_PRODUCTS = java.util.Set.of(TRACEPARENT, TRACESTATE, CORRELATION_ID,
            SOURCE, SOURCE_POSITION, REPLAY_OF, REPLAY_COUNT);

    private SpineHeaders() {
    }

    /**
     * A new correlation id: a random (version 4) UUID. Drawn from a per-thread generator rather than SecureRandom: it
     * names a record, it guards nothing, and the gate mints one for every record that arrives without.
     */
    public static String newCorrelationId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new java.util.UUID(msb, lsb).toString();
    }

    public static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    public static String string(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
