package io.meshspine.cli.privacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one erasure did, for the record: who asked, when and why, the data keys destroyed, each Silver table's delete
 * commit and rows removed, the Bronze files whose ciphertext is now unreadable, and what the erasure does not reach.
 * Holds no subject value: a subject is named by its HMAC per domain. Stored in {@code spine.audit} (as the details of
 * an audit entry with action {@code privacy-erase}) and printed as JSON or text.
 */
public record Attestation(String erasureId, String requestedBy, String reason, Instant requestedAt, Instant completedAt,
                          String subjectField, Map<String, String> subjectHashByDomain, List<DestroyedKey> keysDestroyed,
                          List<String> previousErasures, List<TableDeletion> tables, List<BronzeFiles> bronzeUnreadable,
                          DeadLetters deadLetters, List<String> notReached) {

    /**
     * The subject's dead letters (found by the subject HMAC their sealed envelope carries): every one found, and those
     * this erasure marked resolved (the others were resolved, replayed or parked before). Null: not searched.
     */
    public record DeadLetters(List<String> found, List<String> resolved) {
        public DeadLetters {
            found = List.copyOf(found);
            resolved = List.copyOf(resolved);
        }
    }

    public record DestroyedKey(String domain, String keyId) {
    }

    /**
     * @param version     the delete commit's Delta version, -1 when no row matched
     * @param searchable  false when the table's subject column is redacted (its rows cannot be found)
     */
    public record TableDeletion(String table, String column, long version, long rowsRemoved, int filesRewritten, boolean searchable,
                                List<String> filesPurged) {
        public TableDeletion {
            filesPurged = List.copyOf(filesPurged);
        }

        public TableDeletion(String table, String column, long version, long rowsRemoved, int filesRewritten, boolean searchable) {
            this(table, column, version, rowsRemoved, filesRewritten, searchable, List.of());
        }
    }

    public record BronzeFiles(String table, long version, Map<String, Long> rowsByFile) {
    }

    public Attestation {
        subjectHashByDomain = Map.copyOf(subjectHashByDomain);
        keysDestroyed = List.copyOf(keysDestroyed);
        previousErasures = List.copyOf(previousErasures);
        tables = List.copyOf(tables);
        bronzeUnreadable = List.copyOf(bronzeUnreadable);
        notReached = List.copyOf(notReached);
    }

    /** Whether this erasure changed anything (a repeated erasure changes nothing). */
    public boolean changedAnything() {
        return !keysDestroyed.isEmpty() || tables.stream().anyMatch(t -> t.version() >= 0)
                || deadLetters != null && !deadLetters.resolved().isEmpty();
    }

    public long rowsRemoved() {
        return tables.stream().mapToLong(TableDeletion::rowsRemoved).sum();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("erasure_id", erasureId);
        n.put("requested_by", requestedBy);
        n.put("reason", reason);
        n.put("requested_at", requestedAt.toString());
        n.put("completed_at", completedAt.toString());
        ObjectNode subject = n.putObject("subject");
        subject.put("field", subjectField);
        ObjectNode hashes = subject.putObject("hmac_by_domain");
        new java.util.TreeMap<>(subjectHashByDomain).forEach(hashes::put);
        ArrayNode keys = n.putArray("keys_destroyed");
        keysDestroyed.forEach(k -> keys.addObject().put("domain", k.domain()).put("key_id", k.keyId()));
        ArrayNode previous = n.putArray("previous_erasures");
        previousErasures.forEach(previous::add);
        ArrayNode t = n.putArray("tables");
        for (TableDeletion d : tables) {
            ObjectNode o = t.addObject();
            o.put("table", d.table());
            o.put("column", d.column());
            o.put("searchable", d.searchable());
            if (d.version() >= 0) {
                o.put("delete_version", d.version());
            } else {
                o.putNull("delete_version");
            }
            o.put("rows_removed", d.rowsRemoved());
            o.put("files_rewritten", d.filesRewritten());
            ArrayNode purged = o.putArray("files_purged");
            d.filesPurged().forEach(purged::add);
        }
        ArrayNode b = n.putArray("bronze_unreadable");
        for (BronzeFiles f : bronzeUnreadable) {
            ObjectNode o = b.addObject();
            o.put("table", f.table());
            o.put("version", f.version());
            ObjectNode files = o.putObject("rows_by_file");
            f.rowsByFile().forEach(files::put);
        }
        if (deadLetters != null) {
            ObjectNode dl = n.putObject("dead_letters");
            deadLetters.found().forEach(dl.putArray("found")::add);
            deadLetters.resolved().forEach(dl.putArray("resolved")::add);
        } else {
            n.putNull("dead_letters");
        }
        ArrayNode not = n.putArray("not_reached");
        notReached.forEach(not::add);
        return n;
    }

    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append("Erasure ").append(erasureId).append('\n');
        out.append("  requested by ").append(requestedBy).append(" at ").append(requestedAt).append(", reason: ").append(reason).append('\n');
        out.append("  subject      ").append(subjectField).append(" (named by HMAC per domain: ")
                .append(new java.util.TreeMap<>(subjectHashByDomain)).append(")\n");
        out.append("  keys destroyed: ").append(keysDestroyed.size()).append('\n');
        keysDestroyed.forEach(k -> out.append("    ").append(k.domain()).append(' ').append(k.keyId()).append('\n'));
        if (!previousErasures.isEmpty()) {
            out.append("  already erased before by: ").append(String.join(", ", previousErasures)).append('\n');
        }
        out.append("  silver tables:\n");
        for (TableDeletion d : tables) {
            out.append("    ").append(d.table()).append(": ");
            if (!d.searchable()) {
                out.append("NOT SEARCHABLE (column ").append(d.column()).append(" is redacted)\n");
            } else if (d.version() < 0) {
                out.append("no rows of the subject\n");
            } else {
                out.append(d.rowsRemoved()).append(" rows removed in version ").append(d.version()).append(" (")
                        .append(d.filesRewritten()).append(" files rewritten").append(d.filesPurged().isEmpty() ? ""
                                : ", " + d.filesPurged().size() + " purged from storage now").append(")\n");
            }
        }
        out.append("  bronze files now unreadable for this subject:\n");
        for (BronzeFiles f : bronzeUnreadable) {
            out.append("    ").append(f.table()).append(" @").append(f.version()).append(": ").append(f.rowsByFile().size()).append(" files, ")
                    .append(f.rowsByFile().values().stream().mapToLong(Long::longValue).sum()).append(" rows\n");
        }
        if (deadLetters != null) {
            out.append("  dead letters of the subject: ").append(deadLetters.found().size()).append(" found, ")
                    .append(deadLetters.resolved().size()).append(" marked resolved by this erasure\n");
            deadLetters.resolved().forEach(id -> out.append("    ").append(id).append('\n'));
        }
        out.append("  not reached by this erasure:\n");
        notReached.forEach(s -> out.append("    - ").append(s).append('\n'));
        out.append("  completed at ").append(completedAt).append('\n');
        return out.toString();
    }
}
