package io.meshspine.core.avro;

import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.RegistryUnavailableException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writer schemas by registry content id, fetched once and cached for the life of the process (a content id never
 * changes meaning). An id the registry does not know is the record's fault; an unreachable registry is not.
 */
public final class RegistrySchemas {

    /** The registry answered, and it has no schema under this id: a permanent fault of the record carrying it. */
    public static final class UnknownSchemaException extends Exception {
        public UnknownSchemaException(String message) {
            super(message);
        }
    }

    /** How long the registry's "no such id" is believed before it is asked again (the id may be registered meanwhile). */
    public static final java.time.Duration MISS_TTL = java.time.Duration.ofSeconds(30);

    private final ApicurioClient registry;
    private final Map<Long, Schema> byId = new ConcurrentHashMap<>();
    private final Map<Long, Miss> misses = new ConcurrentHashMap<>();
    private final java.util.function.LongSupplier clock;

    private record Miss(String reason, long until) {
    }

    public RegistrySchemas(ApicurioClient registry) {
        this(registry, System::currentTimeMillis);
    }

    public RegistrySchemas(ApicurioClient registry, java.util.function.LongSupplier clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /**
     * @throws UnknownSchemaException      the registry has no such id, or what it holds is not an Avro schema
     * @throws RegistryUnavailableException the registry could not be asked (transient: retry)
     */
    public Schema byContentId(long contentId) throws UnknownSchemaException {
        Schema cached = byId.get(contentId);
        if (cached != null) {
            return cached;
        }
        // A flood of garbage carrying random ids must not cost an HTTP call each: misses are remembered a while.
        Miss miss = misses.get(contentId);
        long now = clock.getAsLong();
        if (miss != null && now < miss.until()) {
            throw new UnknownSchemaException(miss.reason());
        }
        Optional<String> content = registry.contentById(contentId);
        if (content.isEmpty()) {
            throw missed(contentId, "the registry has no schema with content id " + contentId, now);
        }
        try {
            Schema schema = new Schema.Parser().parse(content.get());
            byId.put(contentId, schema);
            misses.remove(contentId);
            return schema;
        } catch (SchemaParseException e) {
            throw missed(contentId, "content id " + contentId + " is not an Avro schema: " + e.getMessage(), now);
        }
    }

    private UnknownSchemaException missed(long contentId, String reason, long now) {
        if (misses.size() > 100_000) {
            misses.clear(); // bounded: garbage ids cannot grow the map without end
        }
        misses.put(contentId, new Miss(reason, now + MISS_TTL.toMillis()));
        return new UnknownSchemaException(reason);
    }

    /** Registers (or finds) the schema under the artifact and returns its content id, for writing the wire format. */
    public long contentIdFor(String group, String artifactId, Schema schema) {
        ApicurioClient.Outcome<ApicurioClient.ArtifactVersion> outcome = registry.findOrCreateVersion(group, artifactId,
                "AVRO", schema.toString());
        if (outcome instanceof ApicurioClient.Accepted<ApicurioClient.ArtifactVersion> accepted) {
            byId.putIfAbsent(accepted.value().contentId(), schema);
            return accepted.value().contentId();
        }
        ApicurioClient.Rejection r = ((ApicurioClient.Rejected<ApicurioClient.ArtifactVersion>) outcome).rejection();
        throw new IllegalStateException("the registry refused the schema of " + group + "/" + artifactId + ": " + r.title() + " " + r.causes());
    }

    public ApicurioClient client() {
        return registry;
    }
}
