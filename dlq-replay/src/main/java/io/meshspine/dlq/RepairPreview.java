package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What a repair would do, written nowhere: the counts a repair would report, and the value before and after the patch
 * of the first few dead letters it would repair (PII masked unless the caller may see it).
 */
public record RepairPreview(ActionReport report, List<ObjectNode> samples) {

    public RepairPreview {
        samples = List.copyOf(samples);
    }

    public ObjectNode toJson() {
        ObjectNode n = report.toJson();
        var a = n.putArray("preview");
        samples.forEach(a::add);
        return n;
    }
}
