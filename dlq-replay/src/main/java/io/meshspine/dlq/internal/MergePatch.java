package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** JSON Merge Patch (RFC 7386): objects merge member by member, {@code null} removes, anything else replaces. */
public final class MergePatch {

    private MergePatch() {
    }

    /** The patched copy of {@code target}; neither argument is changed. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
        patch.fields().forEachRemaining(members::add);
        for (Map.Entry<String, JsonNode> m : members) {
            if (m.getValue().isNull()) {
                result.remove(m.getKey());
            } else {
                result.set(m.getKey(), apply(result.get(m.getKey()), m.getValue()));
            }
        }
        return result;
    }
}
