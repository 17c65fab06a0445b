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
 * repaired value, the ids (or their hash and count) an action changed, the HTTP status of a refused request. Never a
 * payload, never a PII value in clear. {@code via} says how the caller was identified (token, local-admin);
 * {@code domains} are the domains of the dead letters the action touched: who may read the entry.
 */
public record AuditEntry(String id, Instant at, String who, String role, String via, java.util.Set<String> domains, String action,
                         JsonNode filter, long count, String outcome, JsonNode details) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How many of the newest entries a read shows when the caller does not say (the CLI's and the API's). */
    public static final int DEFAULT_LIMIT = 100;

    public AuditEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(action, "action");
        domains = domains == null ? java.util.Set.of() : java.util.Set.copyOf(domains);
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("at", at.toString());
        n.put("who", who);
        n.put("role", role);
        n.put("via", via);
        var d = n.putArray("domains");
        new java.util.TreeSet<>(domains).forEach(d::add);
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
            java.util.Set<String> domains = new java.util.TreeSet<>();
            n.path("domains").forEach(x -> domains.add(x.asText()));
            return new AuditEntry(n.get("id").asText(), Instant.parse(n.get("at").asText()), text(n, "who"), text(n, "role"),
                    text(n, "via"), domains, n.get("action").asText(), n.get("filter"), n.path("count").asLong(), text(n, "outcome"), n.get("details"));
        } catch (IOException e) {
            throw new UncheckedIOException("an audit record that is not JSON", e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
