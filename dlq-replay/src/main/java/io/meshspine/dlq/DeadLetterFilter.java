package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.deadletter.FailureType;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which dead letters an action is about. Every criterion given must hold; none given means the whole queue. Parsed
 * from the same {@code name=value} pairs by the CLI's options and the HTTP API's query parameters ({@link #parse}).
 *
 * @param status  {@code null} for any status; by default only the active queue
 * @param where   top-level fields of the decoded (current) value and the text they must equal
 * @param stage   the stage that dead-lettered ({@code gate}, {@code lake-sink}, {@code backfill}, ...); {@code null}: every
 *                stage but {@code backfill} (a backfill's dead letters are not mixed with the live ones unless asked,
 *                or named by id); {@code "*"} (parameter {@code stage=any}): every stage
 */
public record DeadLetterFilter(FailureType failureType, String ruleId, String contract, String sourceTopic, Instant from,
                               Instant to, String key, String correlationId, Integer replayCount, DeadLetterStatus status,
                               Set<String> ids, Map<String, String> where, String stage) {

    /** The names {@link #parse} accepts, in the order docs list them. */
    public static final List<String> PARAMETERS = List.of("failure-type", "rule", "contract", "source-topic", "from", "to",
            "key", "correlation-id", "replay-count", "status", "id", "where", "stage");

    /** The stage of a backfill's dead letters (DESIGN.md): left out of selections unless asked for. */
    public static final String BACKFILL_STAGE = "backfill";
    public static final String ANY_STAGE = "*";

    public DeadLetterFilter {
        ids = ids == null ? Set.of() : Set.copyOf(ids);
        where = where == null ? Map.of() : Map.copyOf(where);
    }

    /** The active queue, all of it. */
    public static DeadLetterFilter active() {
        return new DeadLetterFilter(null, null, null, null, null, null, null, null, null, DeadLetterStatus.ACTIVE, Set.of(), Map.of(), null);
    }

    /** One dead letter, whatever its status. */
    public static DeadLetterFilter byId(String id) {
        return new DeadLetterFilter(null, null, null, null, null, null, null, null, null, null, Set.of(id), Map.of(), null);
    }

    /** These dead letters, whatever their status and stage. */
    public static DeadLetterFilter byIds(Set<String> ids) {
        return new DeadLetterFilter(null, null, null, null, null, null, null, null, null, null, ids, Map.of(), ANY_STAGE);
    }

    /** The same criteria over dead letters of any status. */
    public DeadLetterFilter withStatusAny() {
        return new DeadLetterFilter(failureType, ruleId, contract, sourceTopic, from, to, key, correlationId, replayCount, null, ids, where, stage);
    }

    /** A filter wrong in its own terms (unknown name, bad value): the message names the parameter. */
    public static final class InvalidFilterException extends IllegalArgumentException {
        public InvalidFilterException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code name -> values}. {@code status} defaults to {@code active}; {@code status=any} lifts it.
     * {@code where} values are {@code field=value}; {@code id} and {@code where} may repeat.
     */
    public static DeadLetterFilter parse(Map<String, List<String>> parameters) {
        Map<String, List<String>> p = new TreeMap<>();
        parameters.forEach((name, values) -> {
            if (!PARAMETERS.contains(name)) {
                throw new InvalidFilterException("unknown filter parameter '" + name + "' (known: " + String.join(", ", PARAMETERS) + ")");
            }
            List<String> nonBlank = values.stream().filter(v -> v != null && !v.isBlank()).map(String::trim).toList();
            if (!nonBlank.isEmpty()) {
                p.put(name, nonBlank);
            }
        });
        FailureType type = one(p, "failure-type").map(v -> {
            try {
                return FailureType.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidFilterException("failure-type: '" + v + "' is none of " + List.of(FailureType.values()));
            }
        }).orElse(null);
        DeadLetterStatus status = one(p, "status").map(v -> {
            if (v.equalsIgnoreCase("any")) {
                return null;
            }
            try {
                return DeadLetterStatus.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidFilterException("status: '" + v + "' is none of any, " + String.join(", ",
                        java.util.Arrays.stream(DeadLetterStatus.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList()));
            }
        }).orElse(p.containsKey("status") ? null : DeadLetterStatus.ACTIVE);
        Integer replayCount = one(p, "replay-count").map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new InvalidFilterException("replay-count: '" + v + "' is not a whole number");
            }
        }).orElse(null);
        Map<String, String> where = new LinkedHashMap<>();
        for (String w : p.getOrDefault("where", List.of())) {
            int eq = w.indexOf('=');
            if (eq < 1) {
                throw new InvalidFilterException("where: '" + w + "' is not field=value");
            }
            where.put(w.substring(0, eq).trim(), w.substring(eq + 1));
        }
        return new DeadLetterFilter(type, one(p, "rule").orElse(null), one(p, "contract").orElse(null),
                one(p, "source-topic").orElse(null), instant(p, "from"), instant(p, "to"), one(p, "key").orElse(null),
                one(p, "correlation-id").orElse(null), replayCount, status, new TreeSet<>(p.getOrDefault("id", List.of())), where,
                one(p, "stage").map(v -> v.equalsIgnoreCase("any") ? ANY_STAGE : v).orElse(null));
    }

    private static Optional<String> one(Map<String, List<String>> p, String name) {
        List<String> values = p.get(name);
        if (values == null) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw new InvalidFilterException(name + ": given " + values.size() + " times, at most once is allowed");
        }
        return Optional.of(values.get(0));
    }

    private static Instant instant(Map<String, List<String>> p, String name) {
        return one(p, name).map(v -> {
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw new InvalidFilterException(name + ": '" + v + "' is not an ISO-8601 instant such as 2026-03-01T10:00:00Z");
            }
        }).orElse(null);
    }

    /**
     * Whether the dead letter's metadata (as the queue's index holds it) matches every criterion but {@code where};
     * {@code key} is compared by hash, as the index keeps it.
     */
    public boolean matches(QueueEntry e) {
        if (status != null && e.status() != status) {
            return false;
        }
        if (!ids.isEmpty() && !ids.contains(e.id())) {
            return false;
        }
        if (!matchesCounted(e.contract(), e.failureType(), e.ruleIds(), e.sourceTopic(), e.stage())) {
            return false;
        }
        if (from != null && e.deadLetteredAt().isBefore(from)) {
            return false;
        }
        if (to != null && !e.deadLetteredAt().isBefore(to)) {
            return false;
        }
        if (correlationId != null && !correlationId.equals(e.correlationId())) {
            return false;
        }
        if (replayCount != null && e.replayCount() != replayCount) {
            return false;
        }
        return key == null || (e.keySha256() != null && e.keySha256().equals(keySha256()));
    }

    /** The criteria the queue's counts are kept by (status apart): contract, failure type, rule, source topic, stage. */
    public boolean matchesCounted(String c, FailureType type, List<String> rules, String source, String deadLetterStage) {
        if (failureType != null && type != failureType) {
            return false;
        }
        if (ruleId != null && !rules.contains(ruleId)) {
            return false;
        }
        if (stage == null ? ids.isEmpty() && BACKFILL_STAGE.equals(deadLetterStage) : !ANY_STAGE.equals(stage) && !stage.equals(deadLetterStage)) {
            return false;
        }
        if (contract != null && !contract.equals(c) && !(c != null && c.startsWith(contract + ".v"))) {
            return false;
        }
        return sourceTopic == null || sourceTopic.equals(source);
    }

    /** Whether the counts alone answer how many match: nothing asked but status, contract, failure type, rule, source. */
    public boolean countable() {
        return from == null && to == null && key == null && correlationId == null && replayCount == null && ids.isEmpty() && where.isEmpty();
    }

    /** Whether matching needs the payload ({@code where} on a value field): the index does not hold it. */
    public boolean needsPayload() {
        return !where.isEmpty();
    }

    /** Whether the current value (decoded; null when it does not decode) has every {@code where} field as given. */
    public boolean matchesValue(JsonNode value) {
        if (where.isEmpty()) {
            return true;
        }
        if (value == null) {
            return false;
        }
        for (Map.Entry<String, String> w : where.entrySet()) {
            JsonNode field = value.get(w.getKey());
            if (field == null || field.isNull() || !field.asText().equals(w.getValue())) {
                return false;
            }
        }
        return true;
    }

    private String keySha256() {
        return io.meshspine.dlq.internal.KeyText.sha256(key);
    }

    /** Whether anything narrows the selection beyond its status: changing actions refuse to run on all of it by accident. */
    public boolean narrows() {
        return failureType != null || ruleId != null || contract != null || sourceTopic != null || from != null || to != null
                || key != null || correlationId != null || replayCount != null || !ids.isEmpty() || !where.isEmpty()
                || stage != null && !ANY_STAGE.equals(stage);
    }

    /** A changing action over a filter that selects the whole queue, without the caller saying so ({@code --all}, {@code "all": true}). */
    public static final class UnboundedActionException extends IllegalArgumentException {
        public UnboundedActionException(String message) {
            super(message);
        }
    }

    /** Refuses a changing action whose filter narrows nothing unless {@code all} says the whole queue is meant. */
    public void requireBounded(String action, boolean all, String allFlag) {
        if (!narrows() && !all) {
            throw new UnboundedActionException(action + " without a filter would change the whole queue; narrow it or pass " + allFlag);
        }
    }

    /** The top-level fields {@code where} looks at, so callers can refuse PII fields to whoever may not see them. */
    public Set<String> whereFields() {
        return where.keySet();
    }

    /** The filter as the audit records it: only what was given. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (failureType != null) n.put("failure-type", failureType.name());
        if (ruleId != null) n.put("rule", ruleId);
        if (contract != null) n.put("contract", contract);
        if (sourceTopic != null) n.put("source-topic", sourceTopic);
        if (from != null) n.put("from", from.toString());
        if (to != null) n.put("to", to.toString());
        if (key != null) n.put("key", key);
        if (correlationId != null) n.put("correlation-id", correlationId);
        if (replayCount != null) n.put("replay-count", replayCount);
        n.put("status", status == null ? "any" : status.name().toLowerCase(Locale.ROOT));
        if (stage != null) n.put("stage", ANY_STAGE.equals(stage) ? "any" : stage);
        if (!ids.isEmpty()) {
            var a = n.putArray("id");
            new TreeSet<>(ids).forEach(a::add);
        }
        if (!where.isEmpty()) {
            var a = n.putArray("where");
            new TreeMap<>(where).forEach((k, v) -> a.add(k + "=" + v));
        }
        return n;
    }

    /** The filter back as parameters {@link #parse} reads: what the CLI passes on and the web page shows. */
    public Map<String, List<String>> toParameters() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        toJson().fields().forEachRemaining(e -> {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else {
                values.add(e.getValue().asText());
            }
            out.put(e.getKey(), values);
        });
        return out;
    }
}
