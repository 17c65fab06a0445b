package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import org.apache.avro.Schema;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A dead letter's contract, and its values decoded or encoded the way that contract and the registry say. */
public final class DeadLetterContracts {

    /** The envelope's registry artifacts live in the spine's own group, as the gate registers them. */
    private static final String ENVELOPE_GROUP = "spine";

    private final ContractCatalog catalog;
    private final RegistrySchemas schemas;
    private final WireDecoder decoder;
    private final Map<String, Long> contentIds = new ConcurrentHashMap<>();

    public DeadLetterContracts(ContractCatalog catalog, RegistrySchemas schemas) {
        this.catalog = catalog;
        this.schemas = schemas;
        this.decoder = new WireDecoder(schemas);
    }

    public ContractCatalog catalog() {
        return catalog;
    }

    public RegistrySchemas schemas() {
        return schemas;
    }

    public WireDecoder decoder() {
        return decoder;
    }

    /** The contract the dead letter names, else the newest one of its source (raw) topic. */
    public Optional<Contract> contractOf(DeadLetter d) {
        return contractOf(d.contract(), d.original().topic());
    }

    /** The contract named ({@code <domain>.<name>.v<n>}), else the newest one of the source (raw) topic. */
    public Optional<Contract> contractOf(String contract, String sourceTopic) {
        if (contract != null) {
            Optional<Contract> named = catalog.contracts().stream().filter(c -> c.qualifiedName().equals(contract)).findFirst();
            if (named.isPresent()) {
                return named;
            }
        }
        List<Contract> byRaw = sourceTopic == null ? List.of() : catalog.byRawTopic(sourceTopic);
        return byRaw.isEmpty() ? Optional.empty() : Optional.of(byRaw.get(byRaw.size() - 1));
    }

    /** The domain a dead letter belongs to: its contract's, else the one its raw source topic names; none otherwise. */
    public Optional<String> domainOf(DeadLetter d) {
        return domainOf(d.contract(), d.original().topic());
    }

    /** As {@link #domainOf(DeadLetter)} from what the queue's index keeps of one: its contract and source topic. */
    public Optional<String> domainOf(String contract, String sourceTopic) {
        Optional<Contract> c = contractOf(contract, sourceTopic);
        return c.isPresent() ? Optional.of(c.get().domain()) : Topics.rawDomain(sourceTopic);
    }

    public long contentId(Contract c) {
        return contentIds.computeIfAbsent(c.qualifiedName(), k -> schemas.contentIdFor(c.domain(),
                ContractRegistrar.valueArtifact(c.rawTopic()), c.avroSchema()));
    }

    public long parkedEnvelopeContentId() {
        return contentIds.computeIfAbsent("\u0000envelope", k -> schemas.contentIdFor(ENVELOPE_GROUP,
                ContractRegistrar.valueArtifact(Topics.DLQ_PARKED), DeadLetterCodec.SCHEMA));
    }

    /** A value as JSON, read with the contract's schema when there is one; null when it does not decode. */
    public JsonNode decodeValue(byte[] value, Contract contract) {
        if (value == null) {
            return null;
        }
        Schema reader = contract == null ? null : contract.avroSchema();
        WireDecoder.Decoded d = decoder.decode(value, reader);
        return d instanceof WireDecoder.Avro a ? AvroJson.toJson(a.datum(), reader == null ? a.writer() : reader) : null;
    }
}
