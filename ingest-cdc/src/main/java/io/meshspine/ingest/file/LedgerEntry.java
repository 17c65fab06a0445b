package io.meshspine.ingest.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One file in the ledger topic {@code spine.ingest.files} (compacted, key = content hash, value = this as JSON).
 * Written in the same Kafka transaction as the rows it accounts for, so the ledger and the raw topic never disagree.
 *
 * @param lastLine    the last line whose row is committed (the header counts as a line); 0 before the first chunk
 * @param rows        rows written to the raw topic so far
 * @param deadLetters rows written to the DLQ so far
 * @param reason      why the file was quarantined; null otherwise
 */
public record LedgerEntry(String hash, FileState state, String file, String contract, long lastLine, long rows,
                          long deadLetters, String reason, Instant updatedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public LedgerEntry {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public byte[] toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("hash", hash);
        node.put("state", state.name());
        node.put("file", file);
        node.put("contract", contract);
        node.put("lastLine", lastLine);
        node.put("rows", rows);
        node.put("deadLetters", deadLetters);
        if (reason != null) {
            node.put("reason", reason);
        }
        node.put("updatedAt", updatedAt.toString());
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static LedgerEntry fromJson(byte[] json) {
        try {
            JsonNode n = JSON.readTree(json);
            return new LedgerEntry(n.path("hash").asText(), FileState.valueOf(n.path("state").asText()), n.path("file").asText(),
                    n.path("contract").isNull() ? null : n.path("contract").asText(null), n.path("lastLine").asLong(),
                    n.path("rows").asLong(), n.path("deadLetters").asLong(), n.hasNonNull("reason") ? n.get("reason").asText() : null,
                    Instant.parse(n.path("updatedAt").asText()));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a file-lane ledger entry: " + e.getMessage(), e);
        }
    }
}
