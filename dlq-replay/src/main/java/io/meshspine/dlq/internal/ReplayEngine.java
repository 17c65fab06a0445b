package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.Outcome;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.RecordResult;
import io.meshspine.dlq.ReplayProgress;
import io.meshspine.dlq.ReplayRequest;
import io.meshspine.dlq.ReplayTargetRefusedException;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Selection;
import io.meshspine.dlq.Steward;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Replay: the selected dead letters (their repaired value when repaired) back to the raw topic of their own contract,
 * so every one passes the gate again; each batch in one transaction with the dead letters' new state, under the
 * {@link StateWriter}'s lease, decided from the state as it stands when the batch commits. The loop guard parks instead
 * of publishing a record whose replay count would reach the maximum; a record the raw topic refuses is marked refused
 * and the job goes on. Audited before it publishes (intent) and after (outcome).
 */
public final class ReplayEngine {

    private static final Logger log = LoggerFactory.getLogger(ReplayEngine.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String DROPPED = "its repaired value left the state after its replay; the record it became is on the raw topic "
            + "(and back on the DLQ under a new id if it failed again)";

    private final DlqConfig config;
    private final QueueReader reader;
    private final QueueViews views;
    private final DeadLetterContracts contracts;
    private final AccessPolicy policy;
    private final Recheck recheck;
    private final StateWriter writer;
    private final AuditTrail audit;
    private final WorkbenchRecords records;
    private final Clock clock;
    private final ReplayLineage lineage;

    public ReplayEngine(DlqConfig config, QueueReader reader, QueueViews views, DeadLetterContracts contracts, AccessPolicy policy,
                        Recheck recheck, StateWriter writer, AuditTrail audit, WorkbenchRecords records, Clock clock, ReplayLineage lineage) {
        this.lineage = lineage;
        this.config = config;
        this.reader = reader;
        this.views = views;
        this.contracts = contracts;
        this.policy = policy;
        this.recheck = recheck;
        this.writer = writer;
        this.audit = audit;
        this.records = records;
        this.clock = clock;
    }

    public ActionReport replay(ReplayRequest request, Steward who, ReplayProgress progress) {
        policy.require(who, Role.STEWARD, "replay");
        String job = request.job() != null ? request.job() : jobId(request);
        DeadLetterFilter filter = request.filter();
        // only active and replayed ones are replayed: asked of the index, so --max bounds what is read into the heap
        Selection selected = filter.status() == DeadLetterStatus.ACTIVE || filter.status() == DeadLetterStatus.REPLAYED
                ? views.select(filter, who, Math.max(0, request.maxRecords()))
                : views.select(filter, who).where(q -> q.status() == DeadLetterStatus.ACTIVE || q.status() == DeadLetterStatus.REPLAYED)
                .first(request.maxRecords());
        Map<String, Optional<String>> targets = targets(selected, request, who, job);
        if (request.dryRun()) {
            return dryRun(selected, targets, request, who, job);
        }
        ObjectNode intent = NODES.objectNode().put("job", job).put("target_topic", request.targetTopic());
        AuditTrail.ids(selected.ids(), intent);
        intent.set("scope", selected.scope().toJson());
        audit.write(audit.entry(who, "replay-intent", request.filter(), selected.domains(), selected.size(), "started", intent));
        log.info("dlq replay start job={} by={} selected={}", job, who.name(), selected.size());
        io.meshspine.core.lineage.LineageRun run = lineage.begin(targets);
        try {
            ActionReport done = replaySelected(request, who, progress, job, selected, targets);
            lineage.completed(run, targets, done);
            return done;
        } catch (RuntimeException e) {
            lineage.failed(run, targets, e);
            throw e;
        }
    }

    private ActionReport replaySelected(ReplayRequest request, Steward who, ReplayProgress progress, String job, Selection selected,
                                        Map<String, Optional<String>> targets) {

        List<RecordResult> results = new ArrayList<>();
        Map<String, String> refusedNow = new HashMap<>();
        int batchSize = batchSize(request);
        long started = System.nanoTime();
        long published = 0;
        List<String> ids = selected.ids();
        for (int from = 0; from < ids.size(); from += batchSize) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + batchSize));
            if (request.recordsPerSecond() > 0) {
                // Paced between transactions, never inside one: no transaction stays open waiting for the rate.
                pauseUntil(started + (long) (published * 1_000_000_000L / request.recordsPerSecond()));
            }
            List<RecordResult> batchResults = commitBatch(batch, targets, request, who, job, refusedNow);
            published += batchResults.stream().filter(r -> r.outcome() == Outcome.REPLAYED).count();
            results.addAll(batchResults);
            progress.committed(results.size(), ids.size());
            log.info("dlq replay progress job={} done={} total={}", job, results.size(), ids.size());
        }
        ActionReport report = ActionReport.of("replay", false, job, selected.size(), results, null, selected.scope());
        ObjectNode outcome = NODES.objectNode().put("job", job).put("target_topic", request.targetTopic());
        outcome.set("counts", report.countsJson());
        AuditTrail.ids(results.stream().filter(r -> r.outcome() == Outcome.REPLAYED).map(RecordResult::id).toList(), outcome);
        outcome.set("scope", selected.scope().toJson());
        AuditEntry entry = audit.entry(who, "replay", request.filter(), selected.domains(), selected.size(), "ok", outcome);
        audit.write(entry);
        log.info("dlq replay done job={} counts={}", job, report.countsJson());
        return new ActionReport("replay", false, job, selected.size(), report.counts(), results, entry.id(), selected.scope());
    }

    /** One batch under the lease; a record the raw topic refuses is marked refused and the rest committed without it. */
    private List<RecordResult> commitBatch(List<String> batch, Map<String, Optional<String>> targets, ReplayRequest request,
                                           Steward who, String job, Map<String, String> refusedNow) {
        while (true) {
            Map<Integer, String> writeToId = new LinkedHashMap<>();
            try {
                return writer.commit(() -> {
                    writeToId.clear();
                    List<ProducerRecord<byte[], byte[]>> writes = new ArrayList<>();
                    List<RecordResult> out = new ArrayList<>();
                    Instant now = clock.instant();
                    for (String id : batch) {
                        Optional<QueuedDeadLetter> fresh = reader.find(id);
                        if (fresh.isEmpty()) {
                            out.add(new RecordResult(id, Outcome.CHANGED_MEANWHILE, "no longer on the DLQ"));
                            continue;
                        }
                        QueuedDeadLetter q = fresh.get();
                        Optional<String> topic = targets.get(id);
                        if (q.status() == DeadLetterStatus.PARKED || q.status() == DeadLetterStatus.RESOLVED) {
                            out.add(new RecordResult(id, Outcome.CHANGED_MEANWHILE, q.status().name().toLowerCase(Locale.ROOT) + " by "
                                    + q.state().updatedBy()));
                        } else if (alreadyReplayed(q, request, job)) {
                            out.add(new RecordResult(id, Outcome.ALREADY_REPLAYED, null));
                        } else if (q.state().repairDropped()) {
                            out.add(new RecordResult(id, Outcome.REFUSED, DROPPED));
                        } else if (refusedNow.containsKey(id)) {
                            String why = refusedNow.get(id);
                            writes.add(WorkbenchRecords.state(q.state().refused(new DeadLetterState.Refusal(topic.orElse(null), why,
                                    AuditTrail.sha256(q.currentValue() == null ? new byte[0] : q.currentValue()), job, now))));
                            out.add(new RecordResult(id, Outcome.REFUSED, why));
                        } else if (refusedBefore(q)) {
                            out.add(new RecordResult(id, Outcome.REFUSED, "refused before: " + q.state().refusal().reason()));
                        } else if (topic.isEmpty()) {
                            out.add(new RecordResult(id, Outcome.REFUSED, noRawTopic(q)));
                        } else if (loopGuarded(q)) {
                            String why = loopGuardReason(q);
                            writes.add(records.parkedEnvelope(q, why, who));
                            writes.add(WorkbenchRecords.state(q.state().moved(DeadLetterStatus.PARKED, why, who.name(), now)));
                            out.add(new RecordResult(id, Outcome.PARKED, why));
                        } else {
                            int count = q.letter().replayCount() + 1;
                            writeToId.put(writes.size(), id);
                            writes.add(records.replay(q, topic.get(), count));
                            writes.add(WorkbenchRecords.state(q.state().replayed(new DeadLetterState.Replay(job, topic.get(), count,
                                    q.state().repair() != null, who.name(), now))));
                            out.add(new RecordResult(id, Outcome.REPLAYED, topic.get()));
                        }
                    }
                    return new StateWriter.Batch<>(writes, out);
                });
            } catch (StateWriter.WritesRefusedException e) {
                int before = refusedNow.size();
                e.refused().forEach((index, why) -> {
                    String id = writeToId.get(index);
                    if (id != null) {
                        refusedNow.put(id, why);
                        log.warn("dlq replay record refused by its topic job={} id={} reason={}", job, id, why);
                    }
                });
                if (refusedNow.size() == before) {
                    throw new IllegalStateException("the broker refused a state or parked record of the replay: " + e.refused(), e);
                }
            }
        }
    }

    private ActionReport dryRun(Selection selected, Map<String, Optional<String>> targets, ReplayRequest request, Steward who, String job) {
        List<RecordResult> results = new ArrayList<>();
        for (QueuedDeadLetter q : selected.letters()) {
            if (alreadyReplayed(q, request, job)) {
                results.add(new RecordResult(q.id(), Outcome.ALREADY_REPLAYED, null));
            } else if (q.state().repairDropped()) {
                results.add(new RecordResult(q.id(), Outcome.REFUSED, DROPPED));
            } else if (refusedBefore(q)) {
                results.add(new RecordResult(q.id(), Outcome.REFUSED, "refused before: " + q.state().refusal().reason()));
            } else if (targets.get(q.id()).isEmpty()) {
                results.add(new RecordResult(q.id(), Outcome.REFUSED, noRawTopic(q)));
            } else if (loopGuarded(q)) {
                results.add(new RecordResult(q.id(), Outcome.WOULD_PARK, loopGuardReason(q)));
            } else {
                Recheck.Check c = recheck.check(q);
                results.add(c.outcome() == Outcome.PASSES ? new RecordResult(q.id(), Outcome.WOULD_PASS, null)
                        : new RecordResult(q.id(), Outcome.WOULD_FAIL_AGAIN, c.outcome().name().toLowerCase(Locale.ROOT)
                        + (c.detail() == null ? "" : ": " + c.detail())));
            }
        }
        ActionReport counted = ActionReport.of("replay-dry-run", true, job, selected.size(), results, null, selected.scope());
        ObjectNode details = NODES.objectNode().put("job", job).put("target_topic", request.targetTopic());
        details.set("counts", counted.countsJson());
        details.set("scope", selected.scope().toJson());
        AuditEntry entry = audit.entry(who, "replay-dry-run", request.filter(), selected.domains(), selected.size(), "ok", details);
        audit.write(entry);
        return new ActionReport(counted.action(), true, job, counted.selected(), counted.counts(), results, entry.id(), selected.scope());
    }

    /**
     * Where each selected dead letter goes: the raw topic of its own contract, else its source topic when that is a raw
     * topic, else nowhere (reported refused). An explicit target must be that very topic for every one of them:
     * anything else (a product topic, an internal one, another contract's raw topic) refuses the whole replay, audited.
     */
    private Map<String, Optional<String>> targets(Selection selected, ReplayRequest request, Steward who, String job) {
        Map<String, Optional<String>> out = new HashMap<>();
        for (QueuedDeadLetter q : selected.letters()) {
            Optional<String> own = ownRawTopic(q);
            String explicit = request.targetTopic();
            if (explicit != null && !Optional.of(explicit).equals(own)) {
                String why = "replay target " + explicit + " is refused: " + describe(explicit) + "; dead letter " + q.id() + " may only be "
                        + "replayed to " + own.map(t -> "its contract's raw topic " + t).orElse("nowhere (no contract, no raw source topic)")
                        + ", so that it passes the gate again";
                ObjectNode details = NODES.objectNode().put("job", job).put("target_topic", explicit).put("message", why);
                audit.write(audit.entry(who, "replay-refused", request.filter(), selected.domains(), selected.size(), "400", details));
                throw new ReplayTargetRefusedException(why);
            }
            out.put(q.id(), own);
        }
        return out;
    }

    private static String describe(String topic) {
        if (Topics.isInternal(topic)) {
            return "it is an internal topic";
        }
        return Topics.rawDomain(topic).isPresent() ? "it is not the raw topic of the dead letters' contract"
                : "it is not a raw topic (raw.<domain>.<dataset>)";
    }

    private Optional<String> ownRawTopic(QueuedDeadLetter q) {
        Optional<Contract> c = contracts.contractOf(q.letter());
        if (c.isPresent()) {
            return Optional.of(c.get().rawTopic());
        }
        String source = q.letter().original().topic();
        return Topics.rawDomain(source).isPresent() ? Optional.of(source) : Optional.empty();
    }

    private static String noRawTopic(QueuedDeadLetter q) {
        return "no contract and no raw source topic (" + q.letter().original().topic() + "): nowhere to replay it through the gate";
    }

    /** Refused by its topic before, and its value has not changed since (a repair clears the refusal). */
    private static boolean refusedBefore(QueuedDeadLetter q) {
        DeadLetterState.Refusal r = q.state().refusal();
        return r != null && r.valueSha256() != null
                && r.valueSha256().equals(AuditTrail.sha256(q.currentValue() == null ? new byte[0] : q.currentValue()));
    }

    /** A rate gives transactions of at most one second's worth of records, so pacing never waits inside one. */
    private int batchSize(ReplayRequest request) {
        if (request.recordsPerSecond() <= 0) {
            return config.replayBatch();
        }
        return (int) Math.max(1, Math.min(config.replayBatch(), Math.floor(request.recordsPerSecond())));
    }

    private static boolean alreadyReplayed(QueuedDeadLetter q, ReplayRequest request, String job) {
        return q.status() == DeadLetterStatus.REPLAYED && (!request.force() || q.state().replayedBy(job));
    }

    private boolean loopGuarded(QueuedDeadLetter q) {
        return q.letter().replayCount() + 1 >= config.maxReplayCount();
    }

    private String loopGuardReason(QueuedDeadLetter q) {
        return "loop guard: replay count " + q.letter().replayCount() + ", one more replay would reach the maximum of "
                + config.maxReplayCount();
    }

    /** The same request gives the same job: running a replay command again resumes it instead of starting over. */
    private static String jobId(ReplayRequest r) {
        String identity = r.filter().toJson() + "|" + r.targetTopic() + "|" + r.force() + "|" + r.maxRecords();
        return "replay-" + AuditTrail.sha256(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private static void pauseUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("replay interrupted", e);
            }
        }
    }
}
