package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.render.PiiMask;
import io.meshspine.core.render.RecordRenderer;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.internal.AvroFromJson;
import io.meshspine.dlq.internal.MergePatch;
import io.meshspine.dlq.internal.QueueReader;
import io.meshspine.dlq.internal.StateCodec;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The steward's workbench: every operation on the central DLQ, shared by the CLI and the HTTP API. Reads the DLQ
 * joined with its compacted state topic ({@link Topics#DLQ_STATE}); every change of a dead letter is a state record,
 * written in one Kafka transaction with what the change publishes (a replayed raw record, a parked envelope) and its
 * audit entry, so nothing is half done. Nothing is ever deleted from Kafka.
 *
 * <p>Replay is exactly once per dead letter and job: the job's transactional id is stable (a restarted job fences the
 * one it replaces), and the state is re-read read_committed after fencing, before deciding what is left to publish.
 */
public final class DlqWorkbench implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DlqWorkbench.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The envelope's registry artifacts live in the spine's own group, as the gate registers them. */
    private static final String ENVELOPE_GROUP = "spine";
    private static final Set<String> REPLAY_HEADERS = Set.of(SpineHeaders.REPLAY_OF, SpineHeaders.REPLAY_COUNT);

    /** The caller's role does not allow the action. */
    public static final class AccessDeniedException extends RuntimeException {
        public AccessDeniedException(String message) {
            super(message);
        }
    }

    private final DlqConfig config;
    private final ContractCatalog catalog;
    private final RegistrySchemas schemas;
    private final WireDecoder decoder;
    private final RecordRenderer masked;
    private final RecordRenderer unmasked;
    private final QueueReader reader;
    private final KafkaProducer<byte[], byte[]> steward;
    private final Clock clock;
    private final Map<String, Long> contentIds = new ConcurrentHashMap<>();

    private DlqWorkbench(DlqConfig config, ContractCatalog catalog, Clock clock) {
        this.config = config;
        this.catalog = catalog;
        this.clock = clock;
        this.schemas = new RegistrySchemas(new ApicurioClient(config.registryUrl()));
        this.decoder = new WireDecoder(schemas);
        this.masked = new RecordRenderer(schemas, catalog, false);
        this.unmasked = new RecordRenderer(schemas, catalog, true);
        this.reader = new QueueReader(config.bootstrapServers(), decoder, config.brokerTimeout());
        this.steward = transactionalProducer("spine-dlq-steward-" + UUID.randomUUID());
        this.steward.initTransactions();
    }

    /** Creates the workbench's topics when missing (never changes existing ones' data), then reads the queue. */
    public static DlqWorkbench open(DlqConfig config, ContractCatalog catalog) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.brokerTimeout().toMillis()))) {
            Set<String> own = Set.of(Topics.DLQ, Topics.DLQ_PARKED, Topics.AUDIT, Topics.DLQ_STATE);
            new TopicProvisioner(admin, config.replicationFactor()).provision(TopicCatalogue.of(List.of()).topics().stream()
                    .filter(t -> own.contains(t.name())).toList());
        }
        DlqWorkbench workbench = new DlqWorkbench(config, catalog, Clock.systemUTC());
        workbench.reader.refresh();
        return workbench;
    }

    public DlqConfig config() {
        return config;
    }

    public ContractCatalog catalog() {
        return catalog;
    }

    // ---- reading ----------------------------------------------------------------------------------------------------

    /** The dead letters matching the filter, oldest first per DLQ partition. */
    public List<QueuedDeadLetter> list(DeadLetterFilter filter, Steward who) {
        require(who, Role.VIEWER, "list");
        return select(filter, who);
    }

    /** Counts by contract × failure type × rule, oldest and newest, of the dead letters matching the filter. */
    public DlqSummary summary(DeadLetterFilter filter, Steward who) {
        require(who, Role.VIEWER, "summary");
        List<QueuedDeadLetter> selected = select(filter, who);
        Map<List<String>, Long> counts = new TreeMap<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
        Instant oldest = null;
        Instant newest = null;
        for (QueuedDeadLetter q : selected) {
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
        return new DlqSummary(selected.size(), rows, oldest, newest);
    }

    /** One line per dead letter for tables and lists: no payload, no PII. */
    public ObjectNode row(QueuedDeadLetter q) {
        DeadLetter d = q.letter();
        ObjectNode n = NODES.objectNode();
        n.put("id", d.id());
        n.put("dead_lettered_at", d.deadLetteredAt().toString());
        n.put("contract", d.contract());
        n.put("failure_type", d.failureType().name());
        ArrayNode rules = n.putArray("rule_ids");
        d.ruleIds().forEach(rules::add);
        n.put("message", d.message());
        n.put("source_topic", d.original().topic());
        n.put("replay_count", d.replayCount());
        n.put("correlation_id", d.correlationId());
        n.put("status", q.status().name().toLowerCase(Locale.ROOT));
        n.put("repaired", q.state().repair() != null);
        return n;
    }

    /**
     * One dead letter in full: the envelope with its original key and value decoded (PII masked unless the caller may
     * see the contract's domain's), its state, the repaired value if any, the current value's recheck against the
     * contract, and its history: the dead letters it is a replay of, oldest last.
     */
    public Optional<ObjectNode> inspect(String id, Steward who) {
        require(who, Role.VIEWER, "inspect");
        reader.refresh();
        Optional<QueuedDeadLetter> found = reader.find(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        QueuedDeadLetter q = found.get();
        Contract contract = contractOf(q.letter()).orElse(null);
        boolean showPii = contract != null ? who.maySeePiiOf(contract.domain()) : who.role() == Role.ADMIN;
        ObjectNode n = (showPii ? unmasked : masked).render(q.letter());
        n.put("pii", showPii ? "shown" : "masked");
        if (showPii && contract != null && !contract.pii().isEmpty()) {
            // Seeing PII is an act someone is accountable for: it is audited like a change.
            commitStewardAction("inspect-pii", DeadLetterFilter.byId(id), 1, List.of(), List.of(), who, NODES.objectNode());
        }
        n.putObject("dlq").put("partition", q.partition()).put("offset", q.offset());
        n.set("state", stateJson(q, contract, showPii));
        Check check = check(q);
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
            JsonNode value = decodeValue(s.repair().value(), contract);
            if (value != null && !showPii && contract != null) {
                value = PiiMask.of(List.of(contract)).apply(value);
            }
            r.set("value", value);
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

    /** The audit trail, newest last; at most {@code limit} entries (the newest). */
    public List<AuditEntry> audit(int limit, Steward who) {
        require(who, Role.STEWARD, "audit");
        List<AuditEntry> entries = new ArrayList<>();
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.CLIENT_ID_CONFIG, "spine-dlq-audit-reader");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(Topics.AUDIT, config.brokerTimeout()).stream()
                    .map(p -> new TopicPartition(Topics.AUDIT, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = c.endOffsets(partitions, config.brokerTimeout());
            long deadline = System.nanoTime() + config.brokerTimeout().toNanos();
            while (ends.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                c.poll(java.time.Duration.ofMillis(100)).forEach(r -> entries.add(AuditEntry.fromBytes(r.value())));
            }
        }
        entries.sort(java.util.Comparator.comparing(AuditEntry::at));
        return entries.size() <= limit ? entries : entries.subList(entries.size() - limit, entries.size());
    }

    // ---- changing -------------------------------------------------------------------------------------------------

    /**
     * Applies a JSON merge patch (RFC 7386) to the current value (the last repair's, else the original) of every
     * active dead letter matching the filter, and re-encodes it with its contract's current schema. The repaired
     * value is kept in the dead letter's state for the next replay; the original bytes stay on the DLQ untouched.
     * A patch that touches a PII field needs the right to see that domain's PII.
     */
    public ActionReport repair(DeadLetterFilter filter, JsonNode patch, Steward who) {
        require(who, Role.STEWARD, "repair");
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("a repair patch is a JSON object (RFC 7386 merge patch), e.g. {\"currency\":\"AUD\"}");
        }
        List<QueuedDeadLetter> selected = activeOnly(select(filter, who));
        List<RecordResult> results = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> writes = new ArrayList<>();
        ArrayNode hashes = NODES.arrayNode();
        Instant now = clock.instant();
        String patchText = patch.toString();
        for (QueuedDeadLetter q : selected) {
            Optional<Contract> contract = contractOf(q.letter());
            if (contract.isEmpty()) {
                results.add(new RecordResult(q.id(), Outcome.NO_CONTRACT, "no contract named " + q.letter().contract()));
                continue;
            }
            Contract c = contract.get();
            List<String> pii = new ArrayList<>();
            patch.fieldNames().forEachRemaining(f -> {
                if (c.piiField(f).isPresent()) {
                    pii.add(f);
                }
            });
            if (!pii.isEmpty() && !who.maySeePiiOf(c.domain())) {
                throw new AccessDeniedException(who.name() + " may not change PII fields " + pii + " of domain " + c.domain());
            }
            byte[] before = q.currentValue();
            if (before == null) {
                results.add(new RecordResult(q.id(), Outcome.UNDECODABLE, "the value is null"));
                continue;
            }
            WireDecoder.Decoded decoded = decoder.decode(before, c.avroSchema());
            if (!(decoded instanceof WireDecoder.Avro avro)) {
                results.add(new RecordResult(q.id(), Outcome.UNDECODABLE, ((WireDecoder.Undecodable) decoded).reason()));
                continue;
            }
            JsonNode patched = MergePatch.apply(AvroJson.toJson(avro.datum(), c.avroSchema()), patch);
            GenericRecord record;
            try {
                record = AvroFromJson.record(patched, c.avroSchema());
            } catch (AvroFromJson.InvalidValueException e) {
                results.add(new RecordResult(q.id(), Outcome.PATCH_INVALID, e.getMessage()));
                continue;
            }
            byte[] after = WireFormat.encode(contentId(c), c.avroSchema(), record);
            DeadLetterState.Repair repair = new DeadLetterState.Repair(after, sha256(before), sha256(after), patchText, who.name(), now);
            writes.add(stateRecord(q.state().repaired(repair)));
            hashes.addObject().put("id", q.id()).put("before_sha256", repair.beforeSha256()).put("after_sha256", repair.afterSha256());
            results.add(new RecordResult(q.id(), Outcome.REPAIRED, null));
        }
        ObjectNode details = NODES.objectNode();
        details.put("patch_sha256", sha256(patchText.getBytes(StandardCharsets.UTF_8)));
        details.set("repaired", hashes);
        return commitStewardAction("repair", filter, selected.size(), results, writes, who, details);
    }

    /** Checks the current value of every matching dead letter against its contract as it stands now; changes nothing. */
    public ActionReport recheck(DeadLetterFilter filter, Steward who) {
        require(who, Role.STEWARD, "recheck");
        List<QueuedDeadLetter> selected = select(filter, who);
        List<RecordResult> results = new ArrayList<>();
        for (QueuedDeadLetter q : selected) {
            Check c = check(q);
            results.add(new RecordResult(q.id(), c.outcome(), c.detail()));
        }
        return commitStewardAction("recheck", filter, selected.size(), results, List.of(), who, NODES.objectNode());
    }

    /** Takes the matching active dead letters out of the queue; their envelopes are copied to the parked topic. */
    public ActionReport park(DeadLetterFilter filter, String reason, Steward who) {
        return leave(filter, reason, who, DeadLetterStatus.PARKED);
    }

    /** Marks the matching active dead letters as dealt with; they leave the queue and stay on the DLQ. */
    public ActionReport resolve(DeadLetterFilter filter, String reason, Steward who) {
        return leave(filter, reason, who, DeadLetterStatus.RESOLVED);
    }

    private ActionReport leave(DeadLetterFilter filter, String reason, Steward who, DeadLetterStatus to) {
        String action = to == DeadLetterStatus.PARKED ? "park" : "resolve";
        require(who, Role.STEWARD, action);
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException(action + " needs a reason (the audit keeps it)");
        }
        List<QueuedDeadLetter> selected = activeOnly(select(filter, who));
        List<RecordResult> results = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> writes = new ArrayList<>();
        Instant now = clock.instant();
        for (QueuedDeadLetter q : selected) {
            if (to == DeadLetterStatus.PARKED) {
                writes.add(parkedEnvelope(q, reason, who));
            }
            writes.add(stateRecord(q.state().moved(to, reason, who.name(), now)));
            results.add(new RecordResult(q.id(), to == DeadLetterStatus.PARKED ? Outcome.PARKED : Outcome.RESOLVED, null));
        }
        return commitStewardAction(action, filter, selected.size(), results, writes, who, NODES.objectNode().put("reason", reason));
    }

    /**
     * Publishes the matching active dead letters (repaired value when there is one) back to their raw topic, with
     * {@code spine.replay-of} and an incremented {@code spine.replay-count}, each in the same transaction as its new
     * state; or, in a dry run, says what would happen. The loop guard parks instead of publishing a record whose
     * replay count would reach {@link DlqConfig#maxReplayCount()}.
     */
    public ActionReport replay(ReplayRequest request, Steward who, ReplayProgress progress) {
        require(who, Role.STEWARD, "replay");
        String job = request.job() != null ? request.job() : jobId(request);
        if (request.targetTopic() != null) {
            requireReplayTarget(request.targetTopic());
        }
        if (request.dryRun()) {
            List<QueuedDeadLetter> selected = limit(replayable(select(request.filter(), who)), request.maxRecords());
            List<RecordResult> results = new ArrayList<>();
            for (QueuedDeadLetter q : selected) {
                if (alreadyReplayed(q, request, job)) {
                    results.add(new RecordResult(q.id(), Outcome.ALREADY_REPLAYED, null));
                } else if (loopGuarded(q)) {
                    results.add(new RecordResult(q.id(), Outcome.WOULD_PARK, loopGuardReason(q)));
                } else {
                    Check c = check(q);
                    results.add(c.outcome() == Outcome.PASSES ? new RecordResult(q.id(), Outcome.WOULD_PASS, null)
                            : new RecordResult(q.id(), Outcome.WOULD_FAIL_AGAIN, c.outcome().name().toLowerCase(Locale.ROOT)
                            + (c.detail() == null ? "" : ": " + c.detail())));
                }
            }
            ActionReport report = commitStewardAction("replay-dry-run", request.filter(), selected.size(), results, List.of(), who,
                    NODES.objectNode().put("job", job).put("target_topic", request.targetTopic()));
            return new ActionReport(report.action(), true, job, report.selected(), report.counts(), report.records(), report.auditId());
        }
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("spine-dlq-replay-" + job)) {
            // Fences an earlier incarnation of this job and aborts its open transaction; only then is the state final.
            producer.initTransactions();
            List<QueuedDeadLetter> selected = limit(replayable(select(request.filter(), who)), request.maxRecords());
            log.info("dlq replay start job={} by={} selected={} filter={}", job, who.name(), selected.size(), request.filter().toJson());
            List<RecordResult> results = new ArrayList<>();
            long pace = request.recordsPerSecond() > 0 ? (long) (1_000_000_000L / request.recordsPerSecond()) : 0;
            long next = System.nanoTime();
            for (int from = 0; from < selected.size(); from += config.replayBatch()) {
                List<QueuedDeadLetter> batch = selected.subList(from, Math.min(selected.size(), from + config.replayBatch()));
                List<RecordResult> batchResults = new ArrayList<>();
                producer.beginTransaction();
                for (QueuedDeadLetter q : batch) {
                    if (alreadyReplayed(q, request, job)) {
                        batchResults.add(new RecordResult(q.id(), Outcome.ALREADY_REPLAYED, null));
                        continue;
                    }
                    if (pace > 0) {
                        next = pauseUntil(next) + pace;
                    }
                    Instant now = clock.instant();
                    if (loopGuarded(q)) {
                        String why = loopGuardReason(q);
                        producer.send(parkedEnvelope(q, why, who));
                        producer.send(stateRecord(q.state().moved(DeadLetterStatus.PARKED, why, who.name(), now)));
                        batchResults.add(new RecordResult(q.id(), Outcome.PARKED, why));
                        continue;
                    }
                    String topic = request.targetTopic() != null ? request.targetTopic() : q.letter().original().topic();
                    int count = q.letter().replayCount() + 1;
                    producer.send(replayRecord(q, topic, count));
                    producer.send(stateRecord(q.state().replayed(new DeadLetterState.Replay(job, topic, count,
                            q.state().repair() != null, who.name(), now))));
                    batchResults.add(new RecordResult(q.id(), Outcome.REPLAYED, topic));
                }
                producer.commitTransaction();
                results.addAll(batchResults);
                progress.committed(results.size(), selected.size());
                log.info("dlq replay progress job={} done={} total={}", job, results.size(), selected.size());
            }
            ActionReport report = ActionReport.of("replay", false, job, selected.size(), results, null);
            AuditEntry entry = entry(who, "replay", request.filter(), selected.size(), "ok",
                    NODES.objectNode().put("job", job).put("target_topic", request.targetTopic()).set("counts", report.countsJson()));
            producer.beginTransaction();
            producer.send(auditRecord(entry));
            producer.commitTransaction();
            reader.refresh();
            log.info("dlq replay done job={} counts={}", job, report.countsJson());
            return new ActionReport("replay", false, job, selected.size(), report.counts(), results, entry.id());
        }
    }

    /** Records a refused HTTP request (401 or 403) in the audit: who tried (when known), what, and the status. */
    public void auditRefusal(String who, Role role, String method, String path, int status) {
        AuditEntry entry = new AuditEntry(UUID.randomUUID().toString(), clock.instant(), who, role == null ? null : role.configValue(),
                "http-request", null, 0, String.valueOf(status), NODES.objectNode().put("method", method).put("path", path));
        synchronized (steward) {
            steward.beginTransaction();
            steward.send(auditRecord(entry));
            steward.commitTransaction();
        }
        log.warn("dlq request refused status={} who={} method={} path={}", status, who, method, path);
    }

    // ---- internals ------------------------------------------------------------------------------------------------

    private static void require(Steward who, Role needed, String action) {
        if (!who.may(needed)) {
            throw new AccessDeniedException(who.name() + " (" + who.role().configValue() + ") may not " + action + ": it needs "
                    + needed.configValue());
        }
    }

    private List<QueuedDeadLetter> select(DeadLetterFilter filter, Steward who) {
        reader.refresh();
        if (!filter.whereFields().isEmpty()) {
            for (Contract c : catalog.contracts()) {
                for (String f : filter.whereFields()) {
                    if (c.piiField(f).isPresent() && !who.maySeePiiOf(c.domain())) {
                        throw new AccessDeniedException(who.name() + " may not filter on PII field " + f + " of domain " + c.domain());
                    }
                }
            }
        }
        Payloads payloads = new Payloads();
        return reader.all().stream().filter(q -> filter.matches(q, payloads)).toList();
    }

    private static List<QueuedDeadLetter> activeOnly(List<QueuedDeadLetter> selected) {
        return selected.stream().filter(q -> q.status() == DeadLetterStatus.ACTIVE).toList();
    }

    /** Parked and resolved dead letters are never replayed; replayed ones only count as already replayed. */
    private static List<QueuedDeadLetter> replayable(List<QueuedDeadLetter> selected) {
        return selected.stream().filter(q -> q.status() == DeadLetterStatus.ACTIVE || q.status() == DeadLetterStatus.REPLAYED).toList();
    }

    private static List<QueuedDeadLetter> limit(List<QueuedDeadLetter> selected, int max) {
        return max > 0 && selected.size() > max ? selected.subList(0, max) : selected;
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
        return "replay-" + sha256(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private void requireReplayTarget(String topic) {
        if (Topics.isInternal(topic)) {
            throw new IllegalArgumentException("replay target " + topic + " is an internal topic; replays go to raw topics");
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            if (!admin.listTopics().names().get(config.brokerTimeout().toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
                throw new IllegalArgumentException("replay target topic " + topic + " does not exist");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("cannot list topics on " + config.bootstrapServers(), e);
        }
    }

    private ProducerRecord<byte[], byte[]> replayRecord(QueuedDeadLetter q, String topic, int count) {
        OriginalRecord o = q.letter().original();
        RecordHeaders headers = new RecordHeaders();
        boolean correlated = false;
        for (OriginalRecord.Header h : o.headers()) {
            if (!REPLAY_HEADERS.contains(h.key())) {
                headers.add(h.key(), h.value());
                correlated |= h.key().equals(SpineHeaders.CORRELATION_ID);
            }
        }
        if (!correlated) {
            // The gate made up the correlation id of a record that had none: keep it, so the replay is traceable.
            headers.add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(q.letter().correlationId()));
        }
        headers.add(SpineHeaders.REPLAY_OF, SpineHeaders.utf8(q.id()));
        headers.add(SpineHeaders.REPLAY_COUNT, SpineHeaders.utf8(Integer.toString(count)));
        return new ProducerRecord<>(topic, null, null, o.key(), q.currentValue(), headers);
    }

    private ProducerRecord<byte[], byte[]> parkedEnvelope(QueuedDeadLetter q, String reason, Steward who) {
        DeadLetter d = q.letter();
        Map<String, String> context = new HashMap<>(d.context());
        context.put("parked_reason", reason);
        context.put("parked_by", who.name());
        DeadLetter parked = new DeadLetter(d.id(), d.failureType(), d.stage(), d.message(), d.violations(), d.original(), d.contract(),
                d.contractVersion(), d.correlationId(), d.replayCount(), d.deadLetteredAt(), context);
        long id = contentIds.computeIfAbsent("envelope", k -> schemas.contentIdFor(ENVELOPE_GROUP,
                ContractRegistrar.valueArtifact(Topics.DLQ_PARKED), DeadLetterCodec.SCHEMA));
        return new ProducerRecord<>(Topics.DLQ_PARKED, null, null, d.original().key(),
                WireFormat.encode(id, DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(parked)), new RecordHeaders());
    }

    private static ProducerRecord<byte[], byte[]> stateRecord(DeadLetterState state) {
        return new ProducerRecord<>(Topics.DLQ_STATE, StateCodec.key(state.id()), StateCodec.encode(state));
    }

    private static ProducerRecord<byte[], byte[]> auditRecord(AuditEntry entry) {
        return new ProducerRecord<>(Topics.AUDIT, entry.id().getBytes(StandardCharsets.UTF_8), entry.toBytes());
    }

    private AuditEntry entry(Steward who, String action, DeadLetterFilter filter, long count, String outcome, JsonNode details) {
        return new AuditEntry(UUID.randomUUID().toString(), clock.instant(), who.name(), who.role().configValue(), action,
                filter == null ? null : filter.toJson(), count, outcome, details);
    }

    /** The state changes and the audit entry of a steward's action in one transaction. */
    private ActionReport commitStewardAction(String action, DeadLetterFilter filter, int selected, List<RecordResult> results,
                                             List<ProducerRecord<byte[], byte[]>> writes, Steward who, ObjectNode details) {
        ActionReport counted = ActionReport.of(action, false, null, selected, results, null);
        details.set("counts", counted.countsJson());
        AuditEntry entry = entry(who, action, filter, selected, "ok", details);
        synchronized (steward) {
            steward.beginTransaction();
            writes.forEach(steward::send);
            steward.send(auditRecord(entry));
            steward.commitTransaction();
        }
        log.info("dlq action={} by={} selected={} counts={}", action, who.name(), selected, counted.countsJson());
        reader.refresh();
        return new ActionReport(action, false, null, selected, counted.counts(), results, entry.id());
    }

    /** What the current value is, measured against its contract as it stands now. */
    private record Check(Outcome outcome, String detail) {
    }

    private Check check(QueuedDeadLetter q) {
        Optional<Contract> contract = contractOf(q.letter());
        if (contract.isEmpty()) {
            return new Check(Outcome.NO_CONTRACT, "no contract named " + q.letter().contract());
        }
        Contract c = contract.get();
        byte[] value = q.currentValue();
        if (value == null) {
            return new Check(Outcome.UNDECODABLE, "the value is null");
        }
        WireDecoder.Decoded decoded = decoder.decode(value, c.avroSchema());
        if (decoded instanceof WireDecoder.Undecodable u) {
            boolean readable = decoder.decode(value) instanceof WireDecoder.Avro;
            return readable ? new Check(Outcome.FAILS, "schema: " + u.reason()) : new Check(Outcome.UNDECODABLE, u.reason());
        }
        GenericRecord record = (GenericRecord) ((WireDecoder.Avro) decoded).datum();
        List<String> broken = c.rules().evaluate(record, clock.instant()).stream().filter(RuleViolation::isError)
                .map(RuleViolation::ruleId).toList();
        return broken.isEmpty() ? new Check(Outcome.PASSES, null) : new Check(Outcome.FAILS, "rules: " + String.join(", ", broken));
    }

    private Optional<Contract> contractOf(DeadLetter d) {
        if (d.contract() != null) {
            Optional<Contract> named = catalog.contracts().stream().filter(c -> c.qualifiedName().equals(d.contract())).findFirst();
            if (named.isPresent()) {
                return named;
            }
        }
        List<Contract> byRaw = d.original().topic() == null ? List.of() : catalog.byRawTopic(d.original().topic());
        return byRaw.isEmpty() ? Optional.empty() : Optional.of(byRaw.get(byRaw.size() - 1));
    }

    private long contentId(Contract c) {
        return contentIds.computeIfAbsent(c.qualifiedName(), k -> schemas.contentIdFor(c.domain(),
                ContractRegistrar.valueArtifact(c.rawTopic()), c.avroSchema()));
    }

    private JsonNode decodeValue(byte[] value, Contract contract) {
        if (value == null) {
            return null;
        }
        Schema reader = contract == null ? null : contract.avroSchema();
        WireDecoder.Decoded d = decoder.decode(value, reader);
        return d instanceof WireDecoder.Avro a ? AvroJson.toJson(a.datum(), reader == null ? a.writer() : reader) : null;
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
                WireDecoder.Decoded d = decoder.decode(key);
                if (!(d instanceof WireDecoder.Avro a)) {
                    return Optional.of(new String(key, StandardCharsets.UTF_8));
                }
                JsonNode json = AvroJson.toJson(a.datum(), a.writer());
                return Optional.of(json.isObject() && json.size() == 1 ? json.elements().next().asText() : json.toString());
            }).orElse(null);
        }

        @Override
        public JsonNode value(QueuedDeadLetter q) {
            return values.computeIfAbsent(q.id(), id -> Optional.ofNullable(decodeValue(q.currentValue(), contractOf(q.letter()).orElse(null))))
                    .orElse(null);
        }
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) config.brokerTimeout().toMillis());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        // Parking moves a dead letter whole: one as large as the DLQ takes must fit (the raw topic still judges a replay).
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.DEAD_LETTER_MAX_BYTES + 65_536);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static long pauseUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("replay interrupted", e);
            }
            return nanoTime;
        }
        return System.nanoTime();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        synchronized (steward) {
            steward.close(java.time.Duration.ofSeconds(5));
        }
        reader.close();
    }
}
