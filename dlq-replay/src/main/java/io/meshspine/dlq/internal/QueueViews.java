package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.render.RecordRenderer;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DlqSummary;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Scope;
import io.meshspine.dlq.Selection;
import io.meshspine.dlq.Steward;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/** What stewards read: the queue selected by a filter within their domains, its summary, one line or one dead letter in full. */
public final class QueueViews {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final QueueReader reader;
    private final DeadLetterContracts contracts;
    private final AccessPolicy policy;
    private final Recheck recheck;
    private final RecordRenderer masked;
    private final RecordRenderer unmasked;

    public QueueViews(QueueReader reader, DeadLetterContracts contracts, AccessPolicy policy, Recheck recheck) {
        this.reader = reader;
        this.contracts = contracts;
        this.policy = policy;
        this.recheck = recheck;
        this.masked = new RecordRenderer(contracts.schemas(), contracts.catalog(), false);
        this.unmasked = new RecordRenderer(contracts.schemas(), contracts.catalog(), true);
    }

    /** The dead letters matching the filter within the caller's domains, oldest first per DLQ partition; read fresh. */
    public Selection select(DeadLetterFilter filter, Steward who) {
        reader.refresh();
        return selectAsRead(filter, who);
    }

    /** As {@link #select}, from what the reader holds now (the state writer has just refreshed it). */
    public Selection selectAsRead(DeadLetterFilter filter, Steward who) {
        policy.requireFilterable(who, filter);
        Payloads payloads = new Payloads();
        List<QueuedDeadLetter> kept = new ArrayList<>();
        boolean narrowed = false;
        for (QueuedDeadLetter q : reader.all()) {
            if (!filter.matches(q, payloads)) {
                continue;
            }
            if (policy.maySee(who, q.letter())) {
                kept.add(q);
            } else {
                narrowed = true;
            }
        }
        Set<String> scopeDomains = who.allDomains() ? Set.of(Steward.ALL_DOMAINS) : who.domains();
        Set<String> domains = new java.util.TreeSet<>();
        kept.forEach(q -> contracts.domainOf(q.letter()).ifPresent(domains::add));
        return new Selection(kept, new Scope(scopeDomains, narrowed), domains);
    }

    public DlqSummary summary(DeadLetterFilter filter, Steward who) {
        Selection selected = select(filter, who);
        Map<List<String>, Long> counts = new TreeMap<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
        Instant oldest = null;
        Instant newest = null;
        for (QueuedDeadLetter q : selected.letters()) {
            DeadLetter d = q.letter();
            List<String> rules = d.ruleIds().isEmpty() ? List.of("-") : d.ruleIds();
            for (String rule : rules) {
                counts.merge(List.of(d.contract() == null ? "-" : d.contract(), d.failureType().name(), rule), 1L, Long::sum);
            }
            oldest = oldest == null || d.deadLetteredAt().isBefore(oldest) ? d.deadLetteredAt() : oldest;
            newest = newest == null || d.deadLetteredAt().isAfter(newest) ? d.deadLetteredAt() : newest;
        }
        List<DlqSummary.Row> rows = new ArrayList<>();
        counts.forEach((k, v) -> rows.add(new DlqSummary.Row(k.get(0), k.get(1), k.get(2), v)));
        return new DlqSummary(selected.size(), rows, oldest, newest, selected.scope());
    }

    /** One line per dead letter for tables and lists: no payload, no PII. */
    public ObjectNode row(QueuedDeadLetter q) {
        DeadLetter d = q.letter();
        ObjectNode n = NODES.objectNode();
        n.put("id", d.id());
        n.put("dead_lettered_at", d.deadLetteredAt().toString());
        n.put("contract", d.contract());
        n.put("domain", contracts.domainOf(d).orElse(null));
        n.put("failure_type", d.failureType().name());
        ArrayNode rules = n.putArray("rule_ids");
        d.ruleIds().forEach(rules::add);
        n.put("message", d.message());
        n.put("source_topic", d.original().topic());
        n.put("replay_count", d.replayCount());
        n.put("correlation_id", d.correlationId());
        n.put("status", q.status().name().toLowerCase(Locale.ROOT));
        n.put("repaired", q.state().repair() != null);
        n.put("refused", q.state().refusal() == null ? null : q.state().refusal().reason());
        return n;
    }

    /**
     * One dead letter in full: the envelope with its original key and value decoded (PII masked unless the caller may
     * see its domain's and asks to), its state, the repaired value if any, the current value's recheck against the
     * contract, and its history: the dead letters it is a replay of, oldest last. A dead letter outside the caller's
     * domains is refused; PII shown is audited through {@code piiShown}.
     */
    public Optional<ObjectNode> inspect(String id, Steward who, boolean wantPii, Consumer<QueuedDeadLetter> piiShown) {
        policy.require(who, Role.VIEWER, "inspect");
        reader.refresh();
        Optional<QueuedDeadLetter> found = reader.find(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        QueuedDeadLetter q = found.get();
        policy.requireSee(who, q.letter());
        Contract contract = contracts.contractOf(q.letter()).orElse(null);
        boolean showPii = wantPii && policy.maySeePii(who, q.letter());
        ObjectNode n = (showPii ? unmasked : masked).render(q.letter());
        n.put("pii", showPii ? "shown" : "masked");
        n.put("domain", contracts.domainOf(q.letter()).orElse(null));
        if (showPii && contract != null && !contract.pii().isEmpty()) {
            piiShown.accept(q);
        }
        n.putObject("dlq").put("partition", q.partition()).put("offset", q.offset());
        n.set("state", stateJson(q, contract, showPii));
        Recheck.Check check = recheck.check(q);
        n.putObject("recheck").put("outcome", check.outcome().name().toLowerCase(Locale.ROOT)).put("detail", check.detail());
        ArrayNode history = n.putArray("history");
        Set<String> seen = new LinkedHashSet<>(List.of(id));
        String earlier = replayOf(q.letter());
        while (earlier != null && seen.add(earlier)) {
            Optional<QueuedDeadLetter> e = reader.find(earlier);
            if (e.isEmpty()) {
                history.addObject().put("id", earlier).put("note", "no longer on the DLQ (retention)");
                break;
            }
            ObjectNode h = row(e.get());
            h.set("replays", stateJson(e.get(), contract, false).get("replays"));
            history.add(h);
            earlier = replayOf(e.get().letter());
        }
        return Optional.of(n);
    }

    private ObjectNode stateJson(QueuedDeadLetter q, Contract contract, boolean showPii) {
        DeadLetterState s = q.state();
        ObjectNode n = NODES.objectNode();
        n.put("status", s.status().name().toLowerCase(Locale.ROOT));
        n.put("reason", s.reason());
        n.put("updated_by", s.updatedBy());
        n.put("updated_at", s.updatedAt() == null ? null : s.updatedAt().toString());
        if (s.repair() != null) {
            ObjectNode r = n.putObject("repair");
            r.put("by", s.repair().by()).put("at", s.repair().at().toString()).put("before_sha256", s.repair().beforeSha256())
                    .put("after_sha256", s.repair().afterSha256());
            JsonNode value = contracts.decodeValue(s.repair().value(), contract);
            if (value != null && !showPii && contract != null) {
                value = PiiMask.of(List.of(contract)).apply(value);
            } else if (value != null && !showPii) {
                value = null;
            }
            r.set("value", value);
        }
        if (s.refusal() != null) {
            n.putObject("refusal").put("topic", s.refusal().topic()).put("reason", s.refusal().reason()).put("job", s.refusal().job())
                    .put("at", s.refusal().at().toString());
        }
        ArrayNode replays = n.putArray("replays");
        for (DeadLetterState.Replay r : s.replays()) {
            replays.addObject().put("job", r.job()).put("topic", r.topic()).put("replay_count", r.replayCount())
                    .put("repaired", r.repaired()).put("by", r.by()).put("at", r.at().toString());
        }
        return n;
    }

    private static String replayOf(DeadLetter d) {
        String of = null;
        for (OriginalRecord.Header h : d.original().headers()) {
            if (h.key().equals(SpineHeaders.REPLAY_OF)) {
                of = SpineHeaders.string(h.value());
            }
        }
        return of;
    }

    /** Decodes what filters look at, once per dead letter per selection. */
    private final class Payloads implements DeadLetterFilter.Payloads {
        private final Map<String, Optional<String>> keys = new HashMap<>();
        private final Map<String, Optional<JsonNode>> values = new HashMap<>();

        @Override
        public String keyText(QueuedDeadLetter q) {
            return keys.computeIfAbsent(q.id(), id -> {
                byte[] key = q.letter().original().key();
                if (key == null) {
                    return Optional.empty();
                }
                WireDecoder.Decoded d = contracts.decoder().decode(key);
                if (!(d instanceof WireDecoder.Avro a)) {
                    return Optional.of(new String(key, StandardCharsets.UTF_8));
                }
                JsonNode json = AvroJson.toJson(a.datum(), a.writer());
                return Optional.of(json.isObject() && json.size() == 1 ? json.elements().next().asText() : json.toString());
            }).orElse(null);
        }

        @Override
        public JsonNode value(QueuedDeadLetter q) {
            return values.computeIfAbsent(q.id(), id -> Optional.ofNullable(contracts.decodeValue(q.currentValue(),
                    contracts.contractOf(q.letter()).orElse(null)))).orElse(null);
        }
    }
}
