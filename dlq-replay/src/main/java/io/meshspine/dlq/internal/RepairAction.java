package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.render.PiiMask;
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
import io.meshspine.dlq.RepairPreview;
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
 * A preview computes the same, writes nothing, and shows the first values before and after.
 */
public final class RepairAction {

    /** How many dead letters a preview shows before and after. */
    public static final int PREVIEW_SAMPLES = 5;

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

    /** One dead letter's repair: its outcome, and for a repaired one the values before and after. */
    private record Attempt(RecordResult result, Contract contract, JsonNode before, JsonNode after, DeadLetterState.Repair repair) {
    }

    public ActionReport repair(DeadLetterFilter filter, JsonNode patch, Steward who) {
        String patchText = requirePatch(patch, who, "repair");
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
                Attempt a = attempt(q, patch, patchText, who, now);
                results.add(a.result());
                if (a.repair() == null) {
                    continue;
                }
                DeadLetterState.Repair repair = a.repair();
                writes.add(WorkbenchRecords.state(q.state().repaired(repair)));
                if (hashes.size() < AuditTrail.IDS_IN_CLEAR) {
                    hashes.addObject().put("id", q.id()).put("before_sha256", repair.beforeSha256()).put("after_sha256", repair.afterSha256());
                }
                repairedIds.add(q.id());
                allHashes.append(q.id()).append(' ').append(repair.beforeSha256()).append(' ').append(repair.afterSha256()).append('\n');
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

    /** What {@link #repair} would do, written nowhere but the audit: counts, and the first values before and after. */
    public RepairPreview preview(DeadLetterFilter filter, JsonNode patch, Steward who) {
        String patchText = requirePatch(patch, who, "preview a repair");
        Selection selected = views.select(filter, who).where(q -> q.status() == DeadLetterStatus.ACTIVE);
        List<RecordResult> results = new ArrayList<>();
        List<ObjectNode> samples = new ArrayList<>();
        Instant now = clock.instant();
        for (QueuedDeadLetter q : selected.letters()) {
            Attempt a = attempt(q, patch, patchText, who, now);
            results.add(a.result());
            if (a.repair() != null && samples.size() < PREVIEW_SAMPLES) {
                boolean clear = policy.maySeePii(who, q.letter());
                PiiMask mask = PiiMask.of(List.of(a.contract()));
                ObjectNode s = JsonNodeFactory.instance.objectNode().put("id", q.id()).put("pii", clear ? "shown" : "masked");
                s.set("before", clear ? a.before() : mask.apply(a.before()));
                s.set("after", clear ? a.after() : mask.apply(a.after()));
                samples.add(s);
            }
        }
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("patch_sha256", AuditTrail.sha256(patchText.getBytes(StandardCharsets.UTF_8)));
        details.set("counts", ActionReport.countsJson(ActionReport.countsOf(results)));
        details.set("scope", selected.scope().toJson());
        AuditEntry entry = audit.entry(who, "repair-preview", filter, selected.domains(), selected.size(), "ok", details);
        audit.write(entry);
        return new RepairPreview(ActionReport.of("repair", true, null, selected.size(), results, entry.id(), selected.scope()), samples);
    }

    private String requirePatch(JsonNode patch, Steward who, String action) {
        policy.require(who, Role.STEWARD, action);
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("a repair patch is a JSON object (RFC 7386 merge patch), e.g. {\"currency\":\"AUD\"}");
        }
        return patch.toString();
    }

    private Attempt attempt(QueuedDeadLetter q, JsonNode patch, String patchText, Steward who, Instant now) {
        Optional<Contract> contract = contracts.contractOf(q.letter());
        if (contract.isEmpty()) {
            return failed(q, Outcome.NO_CONTRACT, "no contract named " + q.letter().contract());
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
            return failed(q, Outcome.UNDECODABLE, "the value is null");
        }
        WireDecoder.Decoded decoded = contracts.decoder().decode(before, c.avroSchema());
        if (!(decoded instanceof WireDecoder.Avro avro)) {
            return failed(q, Outcome.UNDECODABLE, ((WireDecoder.Undecodable) decoded).reason());
        }
        JsonNode beforeJson = AvroJson.toJson(avro.datum(), c.avroSchema());
        JsonNode patched = MergePatch.apply(beforeJson, patch);
        GenericRecord record;
        try {
            record = AvroFromJson.record(patched, c.avroSchema());
        } catch (AvroFromJson.InvalidValueException e) {
            return failed(q, Outcome.PATCH_INVALID, e.getMessage());
        }
        byte[] after = WireFormat.encode(contracts.contentId(c), c.avroSchema(), record);
        DeadLetterState.Repair repair = new DeadLetterState.Repair(after, AuditTrail.sha256(before), AuditTrail.sha256(after),
                patchText, who.name(), now);
        return new Attempt(new RecordResult(q.id(), Outcome.REPAIRED, null), c, beforeJson, AvroJson.toJson(record, c.avroSchema()), repair);
    }

    private static Attempt failed(QueuedDeadLetter q, Outcome outcome, String detail) {
        return new Attempt(new RecordResult(q.id(), outcome, detail), null, null, null, null);
    }
}
