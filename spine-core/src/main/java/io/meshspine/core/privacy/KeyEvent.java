package io.meshspine.core.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * One record of the key topic ({@code spine.privacy.keys}, compacted), as JSON. Records are keyed
 * {@code <scope HMAC>/<key id>} so that keys several writers create at once for one scope all survive compaction; an
 * erasure replaces each of its keys' records by a {@link Destroyed} one (so a reader holding ciphertext under a
 * destroyed key can tell "erased" from "lost" for as long as the topic lives) and adds one {@link Erasure} record
 * keyed {@code <scope HMAC>/erasure}. No record holds a subject value.
 */
public sealed interface KeyEvent {

    String scopeHash();

    String domain();

    /** The record key in the topic. */
    String recordKey();

    /** A data key wrapped by a master key. */
    record Wrapped(String scopeHash, String domain, String keyId, String masterKeyId, byte[] wrapped, Instant createdAt) implements KeyEvent {
        @Override
        public String recordKey() {
            return scopeHash + "/" + keyId;
        }
    }

    /** What is left of a data key an erasure destroyed. */
    record Destroyed(String scopeHash, String domain, String keyId, String erasureId, Instant destroyedAt) implements KeyEvent {
        @Override
        public String recordKey() {
            return scopeHash + "/" + keyId;
        }
    }

    /** The marker of an erasure of one scope: which keys it destroyed, when, why. */
    record Erasure(String scopeHash, String domain, String erasureId, List<String> keyIds, Instant erasedAt) implements KeyEvent {
        public Erasure {
            keyIds = List.copyOf(keyIds);
        }

        @Override
        public String recordKey() {
            return scopeHash + "/erasure";
        }
    }

    ObjectMapper JSON = new ObjectMapper();

    /**
     * The record value: one JSON object, written field by field with a streaming generator (the gate encodes one per
     * dead letter of a first-seen subject; building a tree first cost as much as wrapping the key).
     */
    static byte[] encode(KeyEvent event) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("scope", event.scopeHash());
            g.writeStringField("domain", event.domain());
            if (event instanceof Wrapped w) {
                g.writeStringField("type", "data-key");
                g.writeStringField("key_id", w.keyId());
                g.writeStringField("master_key", w.masterKeyId());
                g.writeStringField("wrapped", java.util.Base64.getEncoder().encodeToString(w.wrapped()));
                g.writeStringField("created_at", w.createdAt().toString());
            } else if (event instanceof Destroyed d) {
                g.writeStringField("type", "destroyed");
                g.writeStringField("key_id", d.keyId());
                g.writeStringField("erasure_id", d.erasureId());
                g.writeStringField("destroyed_at", d.destroyedAt().toString());
            } else if (event instanceof Erasure e) {
                g.writeStringField("type", "erasure");
                g.writeStringField("erasure_id", e.erasureId());
                g.writeArrayFieldStart("key_ids");
                for (String id : e.keyIds()) {
                    g.writeString(id);
                }
                g.writeEndArray();
                g.writeStringField("erased_at", e.erasedAt().toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The event of a record value; throws naming the record key when the value is not one (never its bytes). */
    static KeyEvent decode(String recordKey, byte[] value) {
        JsonNode n;
        try {
            n = JSON.readTree(new String(value, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("key topic record " + recordKey + " is not JSON");
        }
        String type = n.path("type").asText();
        String scope = n.path("scope").asText();
        String domain = n.path("domain").asText();
        return switch (type) {
            case "data-key" -> new Wrapped(scope, domain, n.path("key_id").asText(), n.path("master_key").asText(),
                    java.util.Base64.getDecoder().decode(n.path("wrapped").asText()), Instant.parse(n.path("created_at").asText()));
            case "destroyed" -> new Destroyed(scope, domain, n.path("key_id").asText(), n.path("erasure_id").asText(),
                    Instant.parse(n.path("destroyed_at").asText()));
            case "erasure" -> {
                List<String> ids = new java.util.ArrayList<>();
                n.path("key_ids").forEach(id -> ids.add(id.asText()));
                yield new Erasure(scope, domain, n.path("erasure_id").asText(), ids, Instant.parse(n.path("erased_at").asText()));
            }
            default -> throw new IllegalStateException("key topic record " + recordKey + " has unknown type '" + type + "'");
        };
    }
}
