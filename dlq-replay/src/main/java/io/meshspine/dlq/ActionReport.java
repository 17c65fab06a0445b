package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an action did (or would do, when {@code dryRun}): how many dead letters the filter selected within the caller's
 * scope, the count per outcome, and each dead letter's outcome. {@code job} is the replay job's id, null for other actions.
 */
public record ActionReport(String action, boolean dryRun, String job, int selected, Map<Outcome, Long> counts,
                           List<RecordResult> records, String auditId, Scope scope) {

    public ActionReport {
        counts = Map.copyOf(counts);
        records = List.copyOf(records);
    }

    public static ActionReport of(String action, boolean dryRun, String job, int selected, List<RecordResult> records, String auditId,
                                  Scope scope) {
        return new ActionReport(action, dryRun, job, selected, countsOf(records), records, auditId, scope);
    }

    public static Map<Outcome, Long> countsOf(List<RecordResult> records) {
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        records.forEach(r -> counts.merge(r.outcome(), 1L, Long::sum));
        return counts;
    }

    public long count(Outcome outcome) {
        return counts.getOrDefault(outcome, 0L);
    }

    public ObjectNode countsJson() {
        return countsJson(counts);
    }

    public static ObjectNode countsJson(Map<Outcome, Long> counts) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        new TreeMap<>(counts).forEach((k, v) -> n.put(k.name().toLowerCase(Locale.ROOT), v));
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
        records.forEach(r -> rs.addObject().put("id", r.id()).put("outcome", r.outcome().name().toLowerCase(Locale.ROOT))
                .put("detail", r.detail()));
        n.put("audit_id", auditId);
        n.set("scope", scope == null ? null : scope.toJson());
        return n;
    }
}
