package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DeadLetterStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** {@link DeadLetterState} as the JSON value of the compacted state topic (key: the dead-letter id, UTF-8). */
public final class StateCodec {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StateCodec() {
    }

    public static byte[] encode(DeadLetterState s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", s.id());
        n.put("status", s.status().name());
        if (s.repair() != null) {
            DeadLetterState.Repair r = s.repair();
            n.putObject("repair").put("value_base64", r.value() == null ? null : Base64.getEncoder().encodeToString(r.value()))
                    .put("before_sha256", r.beforeSha256()).put("after_sha256", r.afterSha256()).put("patch", r.patch())
                    .put("by", r.by()).put("at", r.at().toString());
        }
        ArrayNode replays = n.putArray("replays");
        for (DeadLetterState.Replay r : s.replays()) {
            replays.addObject().put("job", r.job()).put("topic", r.topic()).put("replay_count", r.replayCount())
                    .put("repaired", r.repaired()).put("by", r.by()).put("at", r.at().toString());
        }
        if (s.refusal() != null) {
            DeadLetterState.Refusal r = s.refusal();
            n.putObject("refusal").put("topic", r.topic()).put("reason", r.reason()).put("value_sha256", r.valueSha256())
                    .put("job", r.job()).put("at", r.at().toString());
        }
        n.put("reason", s.reason());
        n.put("updated_by", s.updatedBy());
        n.put("updated_at", s.updatedAt() == null ? null : s.updatedAt().toString());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static DeadLetterState decode(byte[] bytes) {
        try {
            JsonNode n = JSON.readTree(bytes);
            DeadLetterState.Repair repair = null;
            JsonNode r = n.get("repair");
            if (r != null && !r.isNull()) {
                repair = new DeadLetterState.Repair(r.get("value_base64").isNull() ? null : Base64.getDecoder().decode(r.get("value_base64").asText()),
                        text(r, "before_sha256"), text(r, "after_sha256"), text(r, "patch"), text(r, "by"), Instant.parse(r.get("at").asText()));
            }
            List<DeadLetterState.Replay> replays = new ArrayList<>();
            for (JsonNode p : n.path("replays")) {
                replays.add(new DeadLetterState.Replay(text(p, "job"), text(p, "topic"), p.get("replay_count").asInt(),
                        p.path("repaired").asBoolean(), text(p, "by"), Instant.parse(p.get("at").asText())));
            }
            String updatedAt = text(n, "updated_at");
            DeadLetterState.Refusal refusal = null;
            JsonNode f = n.get("refusal");
            if (f != null && !f.isNull()) {
                refusal = new DeadLetterState.Refusal(text(f, "topic"), text(f, "reason"), text(f, "value_sha256"), text(f, "job"),
                        Instant.parse(f.get("at").asText()));
            }
            return new DeadLetterState(n.get("id").asText(), DeadLetterStatus.valueOf(n.get("status").asText()), repair, replays,
                    text(n, "reason"), text(n, "updated_by"), updatedAt == null ? null : Instant.parse(updatedAt), refusal);
        } catch (IOException e) {
            throw new UncheckedIOException("a state record that is not JSON", e);
        }
    }

    public static byte[] key(String deadLetterId) {
        return deadLetterId.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
