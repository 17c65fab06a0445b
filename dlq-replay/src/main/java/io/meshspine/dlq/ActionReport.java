package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What an action did (or would do, when {@code dryRun}): how many dead letters the filter selected, the count per
 * outcome, and each dead letter's outcome. {@code job} is the replay job's id, null for other actions.
 */
public record ActionReport(String action, boolean dryRun, String job, int selected, Map<Outcome, Long> counts,
                           List<RecordResult> records, String auditId) {

    public ActionReport {
        counts = Map.copyOf(counts);
        records = List.copyOf(records);
    }

    static ActionReport of(String action, boolean dryRun, String job, int selected, List<RecordResult> records, String auditId) {
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        records.forEach(r -> counts.merge(r.outcome(), 1L, Long::sum));
        return new ActionReport(action, dryRun, job, selected, counts, records, auditId);
    }

    public long count(Outcome outcome) {
        return counts.getOrDefault(outcome, 0L);
    }

    public ObjectNode countsJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        new java.util.TreeMap<>(counts).forEach((k, v) -> n.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        return n;
    }

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("action", action);
        n.put("dry_run", dryRun);
        n.put("job", job);
        n.put("selected", selected);
        n.set("counts", countsJson());
        var rs = n.putArray("records");
        records.forEach(r -> rs.addObject().put("id", r.id()).put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT))
                .put("detail", r.detail()));
        n.put("audit_id", auditId);
        return n;
    }
}
