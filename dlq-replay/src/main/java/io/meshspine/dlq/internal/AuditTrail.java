package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Steward;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The workbench's audit trail on {@code spine.audit}: entries made here (PII filter values hashed, the ids an action
 * changed), written with the state they describe (in the same transaction) or on their own (refusals, reads of PII,
 * a replay's intent), and read back as far as the caller may.
 */
public final class AuditTrail implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Up to this many ids are listed in clear; beyond, their hash and count (the state topic has the rest). */
    public static final int IDS_IN_CLEAR = 100;

    private final KafkaClients clients;
    private final DeadLetterContracts contracts;
    private final AccessPolicy policy;
    private final Duration timeout;
    private final Clock clock;
    private final KafkaProducer<byte[], byte[]> producer;

    public AuditTrail(KafkaClients clients, DeadLetterContracts contracts, AccessPolicy policy, Duration timeout, Clock clock) {
        this.clients = clients;
        this.contracts = contracts;
        this.policy = policy;
        this.timeout = timeout;
        this.clock = clock;
        this.producer = clients.producer("spine-dlq-audit", null);
    }

    public AuditEntry entry(Steward who, String action, DeadLetterFilter filter, Set<String> domains, long count, String outcome,
                            JsonNode details) {
        return new AuditEntry(UUID.randomUUID().toString(), clock.instant(), who == null ? null : who.name(),
                who == null ? null : who.role().configValue(), who == null ? null : who.via().configValue(), domains, action,
                filter == null ? null : filterJson(filter), count, outcome, details);
    }

    /**
     * The filter as the audit keeps it: what was given, with the values of PII fields ({@code where} on a field any
     * contract marks PII, a key made of PII fields) as their SHA-256, never in clear.
     */
    public ObjectNode filterJson(DeadLetterFilter filter) {
        ObjectNode n = filter.toJson();
        JsonNode where = n.get("where");
        if (where != null) {
            ArrayNode hashed = NODES.arrayNode();
            where.forEach(w -> {
                String text = w.asText();
                int eq = text.indexOf('=');
                String field = text.substring(0, eq);
                hashed.add(isPii(field) ? field + "=sha256:" + sha256(text.substring(eq + 1)) : text);
            });
            n.set("where", hashed);
        }
        if (n.has("key") && keyIsPii()) {
            n.put("key", "sha256:" + sha256(n.get("key").asText()));
        }
        return n;
    }

    private boolean isPii(String field) {
        return contracts.catalog().contracts().stream().anyMatch(c -> c.piiField(field).isPresent());
    }

    private boolean keyIsPii() {
        for (Contract c : contracts.catalog().contracts()) {
            if (c.keys().stream().anyMatch(k -> c.piiField(k).isPresent())) {
                return true;
            }
        }
        return false;
    }

    /** The ids an action changed: in clear up to {@link #IDS_IN_CLEAR}, always their count and the SHA-256 of the sorted list. */
    public static ObjectNode ids(Collection<String> ids, ObjectNode into) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(ids));
        into.put("ids_count", sorted.size());
        into.put("ids_sha256", sha256(String.join("\n", sorted)));
        if (sorted.size() <= IDS_IN_CLEAR) {
            ArrayNode a = into.putArray("ids");
            sorted.forEach(a::add);
        }
        return into;
    }

    /** Writes an entry on its own (not with a state change) and waits until the broker has it. */
    public void write(AuditEntry entry) {
        try {
            producer.send(WorkbenchRecords.audit(entry)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the audit", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("cannot write the audit entry " + entry.action() + " to "
                    + Topics.AUDIT, e);
        }
    }

    /** Seeing PII is an act someone is accountable for: it is audited like a change. */
    public void piiShown(Steward who, String id, String domain) {
        ObjectNode details = ids(List.of(id), NODES.objectNode());
        write(entry(who, "inspect-pii", DeadLetterFilter.byId(id), domain == null ? Set.of() : Set.of(domain), 1, "ok", details));
    }

    /** A refused or failed request: written when the broker can take it; when it cannot (a 503), the log has it. */
    public void refusal(Steward who, String method, String path, int status, String message) {
        ObjectNode details = NODES.objectNode().put("method", method).put("path", path).put("status", status);
        if (message != null) {
            details.put("message", message.length() > 300 ? message.substring(0, 300) : message);
        }
        AuditEntry entry = new AuditEntry(UUID.randomUUID().toString(), clock.instant(), who == null ? null : who.name(),
                who == null ? null : who.role().configValue(), who == null ? null : who.via().configValue(), Set.of(), "http-request",
                null, 0, String.valueOf(status), details);
        try {
            write(entry);
        } catch (RuntimeException e) {
            log.error("dlq audit of a refused request not written status={} path={} problem={}", status, path, e.toString());
        }
        log.warn("dlq request refused status={} who={} method={} path={}", status, who == null ? null : who.name(), method, path);
    }

    /** The entries the caller may read, newest last; at most {@code limit} (the newest). */
    public List<AuditEntry> read(int limit, Steward who) {
        policy.require(who, Role.STEWARD, "read the audit");
        List<AuditEntry> entries = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = clients.reader("spine-dlq-audit-reader")) {
            List<TopicPartition> partitions = c.partitionsFor(Topics.AUDIT, timeout).stream()
                    .map(p -> new TopicPartition(Topics.AUDIT, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = c.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ends.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(r -> {
                    AuditEntry e = AuditEntry.fromBytes(r.value());
                    if (policy.maySee(who, e)) {
                        entries.add(e);
                    }
                });
            }
        }
        entries.sort(Comparator.comparing(AuditEntry::at));
        return entries.size() <= limit ? entries : entries.subList(entries.size() - limit, entries.size());
    }

    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
