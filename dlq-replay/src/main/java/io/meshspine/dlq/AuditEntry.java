package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One line of {@code spine.audit}: who did what to which dead letters, when, and how it ended. Written as JSON,
 * keyed by its id. {@code details} carries what the action adds: outcome counts, the before/after SHA-256 of each
 * repaired value, the HTTP status of a refused request. Never a payload.
 */
public record AuditEntry(String id, Instant at, String who, String role, String action, JsonNode filter, long count,
                         String outcome, JsonNode details) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public AuditEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(action, "action");
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("at", at.toString());
        n.put("who", who);
        n.put("role", role);
        n.put("action", action);
        n.set("filter", filter);
        n.put("count", count);
        n.put("outcome", outcome);
        n.set("details", details);
        return n;
    }

    public byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static AuditEntry fromBytes(byte[] bytes) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return new AuditEntry(n.get("id").asText(), Instant.parse(n.get("at").asText()), text(n, "who"), text(n, "role"),
                    n.get("action").asText(), n.get("filter"), n.path("count").asLong(), text(n, "outcome"), n.get("details"));
        } catch (IOException e) {
            throw new UncheckedIOException("an audit record that is not JSON", e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
