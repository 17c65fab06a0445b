package io.meshspine.core.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    static byte[] encode(KeyEvent event) {
        ObjectNode n = JSON.createObjectNode();
        n.put("scope", event.scopeHash());
        n.put("domain", event.domain());
        if (event instanceof Wrapped w) {
            n.put("type", "data-key");
            n.put("key_id", w.keyId());
            n.put("master_key", w.masterKeyId());
            n.put("wrapped", java.util.Base64.getEncoder().encodeToString(w.wrapped()));
            n.put("created_at", w.createdAt().toString());
        } else if (event instanceof Destroyed d) {
            n.put("type", "destroyed");
            n.put("key_id", d.keyId());
            n.put("erasure_id", d.erasureId());
            n.put("destroyed_at", d.destroyedAt().toString());
        } else if (event instanceof Erasure e) {
            n.put("type", "erasure");
            n.put("erasure_id", e.erasureId());
            e.keyIds().forEach(n.putArray("key_ids")::add);
            n.put("erased_at", e.erasedAt().toString());
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
