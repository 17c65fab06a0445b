package io.meshspine.core.contract;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import io.meshspine.core.topic.Topics;
import org.apache.avro.Schema;

/**
 * What a domain promises about one major version of a data product: the Avro schema, the
 * business keys, where records come from, how sensitive they are, the rules they must pass,
 * the SLOs and how the lake keeps them. Immutable; the rules are compiled.
 *
 * @param id            {@code <domain>.<dataProduct>}, the same for every major version
 * @param version       semantic version of the contract (ODCS {@code version}); its major is the topic's
 * @param purpose       what the product is for (ODCS {@code description.purpose})
 * @param keys          the business key fields, in order; the Kafka key is a record of them
 * @param dedup         the fields that identify one event for deduplication, or {@link EventIdentity#NONE}
 * @param subject       the data subject whose keys encrypt the PII at rest, or {@link DataSubject#NONE} (one key per domain)
 */
public record Contract(
        String id,
        String version,
        int majorVersion,
        String domain,
        String dataProduct,
        String purpose,
        Team team,
        Classification classification,
        Schema avroSchema,
        List<String> keys,
        EventIdentity dedup,
        DataSubject subject,
        SourceBinding source,
        List<PiiField> pii,
        RuleSet rules,
        ServiceLevels slos,
        SinkSpec sink,
        CompatibilityMode compatibility,
        ContractLocation location) {

    public Contract {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(dataProduct, "dataProduct");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(classification, "classification");
        Objects.requireNonNull(avroSchema, "avroSchema");
        keys = List.copyOf(keys);
        Objects.requireNonNull(dedup, "dedup");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(source, "source");
        pii = List.copyOf(pii);
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(slos, "slos");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(compatibility, "compatibility");
        Objects.requireNonNull(location, "location");
    }

    /**
     * A contract without a {@code subject} section. Kept so that code building contracts by hand (test fixtures that
     * rebind a contract to another source) need not name a subject.
     */
    public Contract(String id, String version, int majorVersion, String domain, String dataProduct, String purpose,
                    Team team, Classification classification, Schema avroSchema, List<String> keys, EventIdentity dedup,
                    SourceBinding source, List<PiiField> pii, RuleSet rules, ServiceLevels slos, SinkSpec sink,
                    CompatibilityMode compatibility, ContractLocation location) {
        this(id, version, majorVersion, domain, dataProduct, purpose, team, classification, avroSchema, keys,
                dedup, DataSubject.NONE, source, pii, rules, slos, sink, compatibility, location);
    }

    /**
     * A contract without a {@code dedup} section. Kept so that code building contracts by hand (test
     * fixtures that rebind a contract to another source) need not name an identity.
     */
    public Contract(String id, String version, int majorVersion, String domain, String dataProduct, String purpose,
                    Team team, Classification classification, Schema avroSchema, List<String> keys, SourceBinding source,
                    List<PiiField> pii, RuleSet rules, ServiceLevels slos, SinkSpec sink, CompatibilityMode compatibility,
                    ContractLocation location) {
        this(id, version, majorVersion, domain, dataProduct, purpose, team, classification, avroSchema, keys,
                EventIdentity.NONE, DataSubject.NONE, source, pii, rules, slos, sink, compatibility, location);
    }

    public Lane lane() {
        return source.lane();
    }

    /** {@code raw.<domain>.<dataset>}: what the lanes write, before the gate. Shared by all major versions. */
    public String rawTopic() {
        return Topics.raw(domain, dataProduct);
    }

    /** {@code <domain>.<dataset>.v<major>}: the product topic consumers read. */
    public String productTopic() {
        return Topics.product(domain, dataProduct, majorVersion);
    }

    /** {@code <domain>.<dataset>.v<major>}: the contract's name in headers, metrics and the DLQ. */
    public String qualifiedName() {
        return id + ".v" + majorVersion;
    }

    /** The Silver table's name under {@code silver/<domain>/}. */
    public String silverTable() {
        return dataProduct + "_v" + majorVersion;
    }

    public Optional<PiiField> piiField(String field) {
        return pii.stream().filter(p -> p.field().equals(field)).findFirst();
    }

    /**
     * The Avro schema of the record key: a record named {@code <ValueName>Key} in the value's
     * namespace with the key fields, in key order, as the value schema types them.
     */
    public Schema keySchema() {
        List<Schema.Field> fields = keys.stream().map(k -> {
            Schema.Field f = avroSchema.getField(k);
            return new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal());
        }).toList();
        return Schema.createRecord(avroSchema.getName() + "Key", "Business key of " + qualifiedName(),
                avroSchema.getNamespace(), false, fields);
    }

    @Override
    public String toString() {
        return "Contract[" + qualifiedName() + " " + version + " (" + location.contractFile() + ")]";
    }
}
