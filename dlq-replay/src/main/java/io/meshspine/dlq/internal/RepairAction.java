package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.dlq.AccessDeniedException;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.Outcome;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.RecordResult;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Selection;
import io.meshspine.dlq.Steward;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Repair: a JSON merge patch (RFC 7386) on the current value of each selected active dead letter, re-encoded with its
 * contract's current schema and kept in its state for the next replay; the original bytes stay on the DLQ untouched.
 */
public final class RepairAction {

    private final QueueViews views;
    private final DeadLetterContracts contracts;
    private final AccessPolicy policy;
    private final StateWriter writer;
    private final AuditTrail audit;
    private final Clock clock;

    public RepairAction(QueueViews views, DeadLetterContracts contracts, AccessPolicy policy, StateWriter writer, AuditTrail audit,
                        Clock clock) {
        this.views = views;
        this.contracts = contracts;
        this.policy = policy;
        this.writer = writer;
        this.audit = audit;
        this.clock = clock;
    }

    public ActionReport repair(DeadLetterFilter filter, JsonNode patch, Steward who) {
        policy.require(who, Role.STEWARD, "repair");
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("a repair patch is a JSON object (RFC 7386 merge patch), e.g. {\"currency\":\"AUD\"}");
        }
        String patchText = patch.toString();
        // Computed under the write lease from the state as it stands then: a park committed meanwhile is not undone.
        return writer.commit(() -> {
            Selection selected = views.selectAsRead(filter, who).where(q -> q.status() == DeadLetterStatus.ACTIVE);
            List<RecordResult> results = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> writes = new ArrayList<>();
            ArrayNode hashes = JsonNodeFactory.instance.arrayNode();
            List<String> repairedIds = new ArrayList<>();
            StringBuilder allHashes = new StringBuilder();
            Instant now = clock.instant();
            for (QueuedDeadLetter q : selected.letters()) {
                Optional<Contract> contract = contracts.contractOf(q.letter());
                if (contract.isEmpty()) {
                    results.add(new RecordResult(q.id(), Outcome.NO_CONTRACT, "no contract named " + q.letter().contract()));
                    continue;
                }
                Contract c = contract.get();
                List<String> pii = new ArrayList<>();
                patch.fieldNames().forEachRemaining(f -> {
                    if (c.piiField(f).isPresent()) {
                        pii.add(f);
                    }
                });
                if (!pii.isEmpty() && !policy.maySeePii(who, q.letter())) {
                    throw new AccessDeniedException(who.name() + " may not change PII fields " + pii + " of domain " + c.domain());
                }
                byte[] before = q.currentValue();
                if (before == null) {
                    results.add(new RecordResult(q.id(), Outcome.UNDECODABLE, "the value is null"));
                    continue;
                }
                WireDecoder.Decoded decoded = contracts.decoder().decode(before, c.avroSchema());
                if (!(decoded instanceof WireDecoder.Avro avro)) {
                    results.add(new RecordResult(q.id(), Outcome.UNDECODABLE, ((WireDecoder.Undecodable) decoded).reason()));
                    continue;
                }
                JsonNode patched = MergePatch.apply(AvroJson.toJson(avro.datum(), c.avroSchema()), patch);
                GenericRecord record;
                try {
                    record = AvroFromJson.record(patched, c.avroSchema());
                } catch (AvroFromJson.InvalidValueException e) {
                    results.add(new RecordResult(q.id(), Outcome.PATCH_INVALID, e.getMessage()));
                    continue;
                }
                byte[] after = WireFormat.encode(contracts.contentId(c), c.avroSchema(), record);
                DeadLetterState.Repair repair = new DeadLetterState.Repair(after, AuditTrail.sha256(before), AuditTrail.sha256(after),
                        patchText, who.name(), now);
                writes.add(WorkbenchRecords.state(q.state().repaired(repair)));
                if (hashes.size() < AuditTrail.IDS_IN_CLEAR) {
                    hashes.addObject().put("id", q.id()).put("before_sha256", repair.beforeSha256()).put("after_sha256", repair.afterSha256());
                }
                repairedIds.add(q.id());
                allHashes.append(q.id()).append(' ').append(repair.beforeSha256()).append(' ').append(repair.afterSha256()).append('\n');
                results.add(new RecordResult(q.id(), Outcome.REPAIRED, null));
            }
            ObjectNode details = JsonNodeFactory.instance.objectNode();
            details.put("patch_sha256", AuditTrail.sha256(patchText.getBytes(StandardCharsets.UTF_8)));
            details.set("counts", ActionReport.countsJson(ActionReport.countsOf(results)));
            // Up to 100 in clear; the entry must stay one small record however many were repaired.
            details.set("repaired", hashes);
            details.put("repaired_sha256", AuditTrail.sha256(allHashes.toString()));
            AuditTrail.ids(repairedIds, details);
            details.set("scope", selected.scope().toJson());
            AuditEntry entry = audit.entry(who, "repair", filter, selected.domains(), selected.size(), "ok", details);
            writes.add(WorkbenchRecords.audit(entry));
            return new StateWriter.Batch<>(writes, ActionReport.of("repair", false, null, selected.size(), results, entry.id(),
                    selected.scope()));
        });
    }
}
