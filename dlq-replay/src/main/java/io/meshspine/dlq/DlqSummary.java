package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/**
 * The queue at a glance: dead letters counted by contract × failure type × rule (a dead letter breaking two rules
 * counts under each; other failure types under rule "-"), and the oldest and newest.
 */
public record DlqSummary(long total, List<Row> rows, Instant oldest, Instant newest, Scope scope) {

    public record Row(String contract, String failureType, String rule, long count) {
    }

    public DlqSummary {
        rows = List.copyOf(rows);
    }

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("total", total);
        n.put("oldest", oldest == null ? null : oldest.toString());
        n.put("newest", newest == null ? null : newest.toString());
        var a = n.putArray("rows");
        rows.forEach(r -> a.addObject().put("contract", r.contract()).put("failure_type", r.failureType()).put("rule", r.rule())
                .put("count", r.count()));
        n.set("scope", scope.toJson());
        return n;
    }
}
