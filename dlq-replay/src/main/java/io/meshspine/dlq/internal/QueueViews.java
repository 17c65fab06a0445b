package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.render.RecordRenderer;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DlqSummary;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.ListPage;
import io.meshspine.dlq.QueueDepth;
import io.meshspine.dlq.QueueEntry;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Scope;
import io.meshspine.dlq.Selection;
import io.meshspine.dlq.Steward;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

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
        return select(filter, who, 0);
    }

    /** As {@link #select(DeadLetterFilter, Steward)}, the first {@code max} only (0: all). */
    public Selection select(DeadLetterFilter filter, Steward who, int max) {
        reader.refresh();
        return selectAsRead(filter, who, max);
    }

    /** As {@link #select}, from what the reader holds now (the state writer has just refreshed it). */
    public Selection selectAsRead(DeadLetterFilter filter, Steward who) {
        return selectAsRead(filter, who, 0);
    }

    /**
     * The selection in full, payloads and all, for an action to work on: held in the heap, so an action is only as
     * large as the heap takes (about 2 KB a dead letter; {@code --max} bounds it). The index is read to the end
     * regardless of {@code max}, so the scope says whether anything was left out.
     */
    public Selection selectAsRead(DeadLetterFilter filter, Steward who, int max) {
        policy.requireFilterable(who, filter);
        // the first max by partition and offset, kept in a bounded heap while the index is read in its own (fast) order
        PriorityQueue<QueueEntry> first = new PriorityQueue<>(BY_OFFSET.reversed());
        List<QueueEntry> entries = new ArrayList<>();
        boolean narrowed = visit(filter, who, reader::all, (e, q) -> {
            if (max <= 0) {
                entries.add(e);
                return true;
            }
            first.add(e);
            if (first.size() > max) {
                first.poll();
            }
            // a payload filter costs a fetch per candidate: stop at max rather than learn what else is out of scope
            return first.size() < max || !filter.needsPayload();
        });
        entries.addAll(first);
        entries.sort(BY_OFFSET);
        List<QueuedDeadLetter> kept = new ArrayList<>(entries.size());
        for (int from = 0; from < entries.size(); from += CHUNK) {
            kept.addAll(reader.load(entries.subList(from, Math.min(entries.size(), from + CHUNK))));
        }
        Set<String> domains = new java.util.TreeSet<>();
        kept.forEach(q -> contracts.domainOf(q.letter()).ifPresent(domains::add));
        return new Selection(kept, scopeOf(who, narrowed), domains);
    }

    /** The order actions work in: oldest first per DLQ partition. */
    private static final Comparator<QueueEntry> BY_OFFSET = Comparator.comparingInt(QueueEntry::partition).thenComparingLong(QueueEntry::offset);

    private static Scope scopeOf(Steward who, boolean narrowed) {
        return new Scope(who.allDomains() ? Set.of(Steward.ALL_DOMAINS) : who.domains(), narrowed);
    }

    /** Dead letters whose payloads are fetched at once when a filter needs them: bounded memory, few seeks. */
    private static final int CHUNK = 1_000;

    private interface Order {
        void visit(Predicate<QueueEntry> visitor);
    }

    private interface Visitor {
        /** An entry that matches (with its dead letter when the payload was fetched to decide); false: stop. */
        boolean at(QueueEntry e, QueuedDeadLetter loaded);
    }

    /**
     * Visits the entries matching the filter within the caller's domains in the given order. Criteria on metadata are
     * decided on the index; {@code where} fetches the candidates' payloads {@link #CHUNK} at a time. Returns whether
     * dead letters outside the caller's domains matched (as far as the visit went; to the end unless stopped).
     */
    private boolean visit(DeadLetterFilter filter, Steward who, Order order, Visitor each) {
        boolean[] narrowed = {false};
        boolean[] stopped = {false};
        List<QueueEntry> chunk = new ArrayList<>();
        order.visit(e -> {
            if (!filter.matches(e)) {
                return true;
            }
            if (!policy.maySee(who, e.contract(), e.sourceTopic())) {
                narrowed[0] = true;
                return true;
            }
            if (!filter.needsPayload()) {
                return each.at(e, null);
            }
            chunk.add(e);
            if (chunk.size() >= CHUNK) {
                stopped[0] = !flush(filter, chunk, each);
                return !stopped[0];
            }
            return true;
        });
        if (!stopped[0] && !chunk.isEmpty()) {
            flush(filter, chunk, each);
        }
        return narrowed[0];
    }

    private boolean flush(DeadLetterFilter filter, List<QueueEntry> chunk, Visitor each) {
        List<QueuedDeadLetter> loaded = reader.load(chunk);
        chunk.clear();
        for (QueuedDeadLetter q : loaded) {
            if (filter.matchesValue(valueOf(q)) && !each.at(entryOf(q, null), q)) {
                return false;
            }
        }
        return true;
    }

    private JsonNode valueOf(QueuedDeadLetter q) {
        return contracts.decodeValue(q.currentValue(), contracts.contractOf(q.letter()).orElse(null));
    }

    /** Counts by contract × failure type × rule, oldest and newest: from the index's counts when the filter allows. */
    public DlqSummary summary(DeadLetterFilter filter, Steward who) {
        reader.refresh();
        policy.requireFilterable(who, filter);
        Tally tally = new Tally();
        boolean narrowed;
        if (filter.countable()) {
            narrowed = false;
            for (Map.Entry<DeadLetterIndex.Bucket, Long> c : reader.counts().entrySet()) {
                DeadLetterIndex.Bucket b = c.getKey();
                if ((filter.status() != null && b.status() != filter.status())
                        || !filter.matchesCounted(b.contract(), b.failureType(), b.ruleIds(), b.sourceTopic(), b.stage())) {
                    continue;
                }
                if (!policy.maySee(who, b.contract(), b.sourceTopic())) {
                    narrowed = true;
                    continue;
                }
                tally.add(b.contract(), b.failureType().name(), b.ruleIds(), c.getValue());
            }
            if (tally.total > 0) {
                // the ends of the time order: found at once unless the filter keeps only a few far inside it
                visit(filter, who, v -> reader.byTime(false, null, null, v), (e, q) -> {
                    tally.oldest = e.deadLetteredAt();
                    return false;
                });
                visit(filter, who, v -> reader.byTime(true, null, null, v), (e, q) -> {
                    tally.newest = e.deadLetteredAt();
                    return false;
                });
            }
        } else {
            narrowed = visit(filter, who, reader::all, (e, q) -> {
                tally.add(e.contract(), e.failureType().name(), e.ruleIds(), 1);
                tally.oldest = tally.oldest == null || e.deadLetteredAt().isBefore(tally.oldest) ? e.deadLetteredAt() : tally.oldest;
                tally.newest = tally.newest == null || e.deadLetteredAt().isAfter(tally.newest) ? e.deadLetteredAt() : tally.newest;
                return true;
            });
        }
        List<DlqSummary.Row> rows = new ArrayList<>();
        tally.counts.forEach((k, v) -> rows.add(new DlqSummary.Row(k.get(0), k.get(1), k.get(2), v)));
        return new DlqSummary(tally.total, rows, tally.oldest, tally.newest, scopeOf(who, narrowed));
    }

    /** What a summary adds up: dead letters once each, and once per broken rule in the rows. */
    private static final class Tally {
        final Map<List<String>, Long> counts = new TreeMap<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
        long total;
        Instant oldest;
        Instant newest;

        void add(String contract, String failureType, List<String> ruleIds, long n) {
            total += n;
            for (String rule : ruleIds.isEmpty() ? List.of("-") : ruleIds) {
                counts.merge(List.of(contract == null ? "-" : contract, failureType, rule), n, Long::sum);
            }
        }
    }

    /**
     * One page of the selection in time order from the index, and how many the selection holds: from the counts when
     * the filter allows, else counted over the index (and, for {@code where}, over the payloads, a chunk at a time).
     */
    public ListPage page(DeadLetterFilter filter, Steward who, ListPage.Order order, String cursor, int askedLimit) {
        int limit = ListPage.checkLimit(askedLimit);
        ListPage.Position after = ListPage.Position.decode(cursor);
        reader.refresh();
        policy.requireFilterable(who, filter);
        boolean newest = order == ListPage.Order.NEWEST;
        List<QueueEntry> items = new ArrayList<>();
        boolean[] more = {false};
        long total;
        boolean narrowed;
        if (filter.countable()) {
            DlqSummary s = summaryFromCounts(filter, who);
            total = s.total();
            narrowed = s.scope().narrowed();
            visit(filter, who, v -> reader.byTime(newest, after == null ? null : after.at(), after == null ? null : after.id(), v), (e, q) -> {
                if (items.size() == limit) {
                    more[0] = true;
                    return false;
                }
                items.add(e);
                return true;
            });
        } else {
            // one read of the whole time order: every match counts, those after the cursor fill the page
            long[] n = {0};
            narrowed = visit(filter, who, v -> reader.byTime(newest, null, null, v), (e, q) -> {
                n[0]++;
                if (after == null || comesAfter(e, after, newest)) {
                    if (items.size() < limit) {
                        items.add(e);
                    } else {
                        more[0] = true;
                    }
                }
                return true;
            });
            total = n[0];
        }
        String next = more[0] ? ListPage.Position.of(items.get(items.size() - 1)).encode() : null;
        return new ListPage(items, total, next, scopeOf(who, narrowed));
    }

    /** Whether the entry comes after the cursor's position in this order (so on a later page). */
    private static boolean comesAfter(QueueEntry e, ListPage.Position p, boolean newestFirst) {
        int c = e.deadLetteredAt().compareTo(p.at());
        if (c == 0) {
            c = e.id().compareTo(p.id());
        }
        return newestFirst ? c < 0 : c > 0;
    }

    private DlqSummary summaryFromCounts(DeadLetterFilter filter, Steward who) {
        long total = 0;
        boolean narrowed = false;
        for (Map.Entry<DeadLetterIndex.Bucket, Long> c : reader.counts().entrySet()) {
            DeadLetterIndex.Bucket b = c.getKey();
            if ((filter.status() != null && b.status() != filter.status())
                    || !filter.matchesCounted(b.contract(), b.failureType(), b.ruleIds(), b.sourceTopic(), b.stage())) {
                continue;
            }
            if (policy.maySee(who, b.contract(), b.sourceTopic())) {
                total += c.getValue();
            } else {
                narrowed = true;
            }
        }
        return new DlqSummary(total, List.of(), null, null, scopeOf(who, narrowed));
    }

    /**
     * The active queue's depth by contract × failure type and its oldest dead letter per contract, for the depth
     * gauges: from the counts, and the oldest from the start of the time order (stopping once every contract's is found).
     */
    public QueueDepth depth() {
        reader.refresh();
        Map<List<String>, Long> byContractAndType = new HashMap<>();
        for (Map.Entry<DeadLetterIndex.Bucket, Long> c : reader.counts().entrySet()) {
            if (c.getKey().status() == DeadLetterStatus.ACTIVE) {
                byContractAndType.merge(List.of(c.getKey().contract() == null ? QueueDepth.UNKNOWN : c.getKey().contract(),
                        c.getKey().failureType().name()), c.getValue(), Long::sum);
            }
        }
        Set<String> contractsLeft = new java.util.HashSet<>();
        byContractAndType.keySet().forEach(k -> contractsLeft.add(k.get(0)));
        Map<String, Instant> oldest = new HashMap<>();
        if (!contractsLeft.isEmpty()) {
            reader.byTime(false, null, null, e -> {
                if (e.status() == DeadLetterStatus.ACTIVE) {
                    String c = e.contract() == null ? QueueDepth.UNKNOWN : e.contract();
                    if (contractsLeft.remove(c)) {
                        oldest.put(c, e.deadLetteredAt());
                    }
                }
                return !contractsLeft.isEmpty();
            });
        }
        return new QueueDepth(byContractAndType, oldest);
    }

    /** One line per dead letter for tables and lists: no payload, no PII. */
    public ObjectNode row(QueuedDeadLetter q) {
        return row(entryOf(q, null));
    }

    /** As the index would hold it: what a row shows. */
    private static QueueEntry entryOf(QueuedDeadLetter q, String keySha256) {
        DeadLetter d = q.letter();
        return new QueueEntry(d.id(), q.partition(), q.offset(), d.failureType(), d.contract(), d.original().topic(), d.ruleIds(),
                d.deadLetteredAt(), d.correlationId(), d.replayCount(), d.message(), keySha256, q.status(), q.state().repair() != null,
                q.state().refusal() == null ? null : q.state().refusal().reason(), d.stage());
    }

    /** One line per dead letter for tables and lists, from the index: no payload, no PII. */
    public ObjectNode row(QueueEntry e) {
        ObjectNode n = NODES.objectNode();
        n.put("id", e.id());
        n.put("dead_lettered_at", e.deadLetteredAt().toString());
        n.put("contract", e.contract());
        n.put("domain", policy.domainOf(e.contract(), e.sourceTopic()).orElse(null));
        n.put("failure_type", e.failureType().name());
        ArrayNode rules = n.putArray("rule_ids");
        e.ruleIds().forEach(rules::add);
        n.put("message", e.message());
        n.put("source_topic", e.sourceTopic());
        n.put("replay_count", e.replayCount());
        n.put("correlation_id", e.correlationId());
        n.put("status", e.status().name().toLowerCase(Locale.ROOT));
        n.put("repaired", e.repaired());
        n.put("refused", e.refused());
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
        // Issue 16: whether the original is kept encrypted on the DLQ, and whether its subject was erased (then its
        // bytes are ciphertext nobody can open, and the payload above is not the record).
        var context = q.letter().context();
        n.put("encrypted_at_rest", q.letter().sealed() || context.containsKey(io.meshspine.core.privacy.DeadLetterSealer.OPENED_CONTEXT));
        if (context.containsKey(io.meshspine.core.privacy.DeadLetterSealer.ERASED_CONTEXT)) {
            n.put("erased_by", context.get(io.meshspine.core.privacy.DeadLetterSealer.ERASED_CONTEXT));
        }
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
}
