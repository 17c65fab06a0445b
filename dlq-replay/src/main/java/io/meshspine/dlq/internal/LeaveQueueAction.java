package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.Outcome;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.RecordResult;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Selection;
import io.meshspine.dlq.Steward;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Park and resolve: selected active dead letters leave the queue with a reason (parked ones are copied to the parked topic). */
public final class LeaveQueueAction {

    private final QueueViews views;
    private final AccessPolicy policy;
    private final StateWriter writer;
    private final AuditTrail audit;
    private final WorkbenchRecords records;
    private final Clock clock;

    public LeaveQueueAction(QueueViews views, AccessPolicy policy, StateWriter writer, AuditTrail audit, WorkbenchRecords records,
                            Clock clock) {
        this.views = views;
        this.policy = policy;
        this.writer = writer;
        this.audit = audit;
        this.records = records;
        this.clock = clock;
    }

    public ActionReport leave(DeadLetterFilter filter, String reason, Steward who, DeadLetterStatus to) {
        String action = to == DeadLetterStatus.PARKED ? "park" : "resolve";
        policy.require(who, Role.STEWARD, action);
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException(action + " needs a reason (the audit keeps it)");
        }
        return writer.commit(() -> {
            Selection selected = views.selectAsRead(filter, who).where(q -> q.status() == DeadLetterStatus.ACTIVE);
            List<RecordResult> results = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> writes = new ArrayList<>();
            Instant now = clock.instant();
            for (QueuedDeadLetter q : selected.letters()) {
                if (to == DeadLetterStatus.PARKED) {
                    writes.add(records.parkedEnvelope(q, reason, who));
                }
                writes.add(WorkbenchRecords.state(q.state().moved(to, reason, who.name(), now)));
                results.add(new RecordResult(q.id(), to == DeadLetterStatus.PARKED ? Outcome.PARKED : Outcome.RESOLVED, null));
            }
            ObjectNode details = JsonNodeFactory.instance.objectNode().put("reason", reason);
            details.set("counts", ActionReport.countsJson(ActionReport.countsOf(results)));
            AuditTrail.ids(selected.ids(), details);
            details.set("scope", selected.scope().toJson());
            AuditEntry entry = audit.entry(who, action, filter, selected.domains(), selected.size(), "ok", details);
            writes.add(WorkbenchRecords.audit(entry));
            return new StateWriter.Batch<>(writes, ActionReport.of(action, false, null, selected.size(), results, entry.id(),
                    selected.scope()));
        });
    }
}
