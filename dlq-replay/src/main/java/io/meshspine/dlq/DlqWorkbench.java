package io.meshspine.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.internal.AccessPolicy;
import io.meshspine.dlq.internal.ArrivalsView;
import io.meshspine.dlq.internal.AuditTrail;
import io.meshspine.dlq.internal.DeadLetterContracts;
import io.meshspine.dlq.internal.KafkaClients;
import io.meshspine.dlq.internal.LeaveQueueAction;
import io.meshspine.dlq.internal.QueueReader;
import io.meshspine.dlq.internal.QueueViews;
import io.meshspine.dlq.internal.Recheck;
import io.meshspine.dlq.internal.RepairAction;
import io.meshspine.dlq.internal.ReplayEngine;
import io.meshspine.dlq.internal.StateWriter;
import io.meshspine.dlq.internal.WorkbenchRecords;
import org.apache.kafka.clients.admin.Admin;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The steward's workbench: every operation on the central DLQ, shared by the CLI and the HTTP API, each within the
 * caller's role and domains ({@link AccessPolicy}). Reads the DLQ joined with its compacted state topic
 * ({@link Topics#DLQ_STATE}); every change of a dead letter is a state record, written in one Kafka transaction with
 * what the change publishes and its audit entry, under the one write lease every workbench shares ({@link StateWriter}).
 * Nothing is ever deleted from Kafka. This class only wires the parts and hands each call to the one that does it.
 */
public final class DlqWorkbench implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DlqWorkbench.class);
    /** How many {@code dlq.broker-timeout}s a start waits for a broker that does not answer (an outage, or a broker started later). */
    static final int BROKER_WAIT_TIMEOUTS = 4;


    private final DlqConfig config;
    private final ContractCatalog catalog;
    private final QueueReader reader;
    private final AccessPolicy policy;
    private final QueueViews views;
    private final ArrivalsView arrivals;
    private final Recheck recheck;
    private final AuditTrail audit;
    private final StateWriter writer;
    private final RepairAction repairs;
    private final LeaveQueueAction leaving;
    private final ReplayEngine replays;
    private final io.meshspine.core.lineage.LineageEmitter lineage;
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;
    private final KafkaClients clients;
    private final io.meshspine.core.render.WireDecoder decoder;

    private DlqWorkbench(DlqConfig config, ContractCatalog catalog, Clock clock) {
        this.config = config;
        this.catalog = catalog;
        KafkaClients clients = new KafkaClients(config);
        this.clients = clients;
        DeadLetterContracts contracts = new DeadLetterContracts(catalog, new RegistrySchemas(new ApicurioClient(config.registryUrl())));
        this.decoder = contracts.decoder();
        java.util.Map<String, Object> keyClient = new java.util.HashMap<>(config.kafkaClient());
        keyClient.put("bootstrap.servers", config.bootstrapServers());
        // Opens encrypted originals for the workbench (the key topic is read on the first one met) and seals parked copies.
        this.sealer = io.meshspine.core.privacy.DeadLetterSealer.over(config.privacy(), Topics.PRIVACY_KEYS, keyClient, catalog, contracts.decoder());
        this.reader = new QueueReader(clients, contracts.decoder(), sealer, config.brokerTimeout(), config.stateDir());
        this.policy = new AccessPolicy(contracts);
        this.recheck = new Recheck(contracts, clock);
        this.views = new QueueViews(reader, contracts, policy, recheck);
        this.arrivals = new ArrivalsView(reader, policy, clock);
        this.audit = new AuditTrail(clients, contracts, policy, config.brokerTimeout(), clock);
        this.writer = new StateWriter(clients, reader, "spine-dlq-state-writer-" + UUID.randomUUID(), config.brokerTimeout());
        WorkbenchRecords records = new WorkbenchRecords(contracts, config.privacy().encryptDeadLetters() ? sealer : null);
        this.repairs = new RepairAction(views, contracts, policy, writer, audit, clock);
        this.leaving = new LeaveQueueAction(views, policy, writer, audit, records, clock);
        this.lineage = io.meshspine.core.lineage.LineageEmitter.start(config.lineage(), null);
        this.replays = new ReplayEngine(config, reader, views, contracts, policy, recheck, writer, audit, records, clock,
                new io.meshspine.dlq.internal.ReplayLineage(lineage, config.bootstrapServers()));
    }

    /** Creates the workbench's topics when missing (never changes existing ones' data), then reads the queue. */
    public static DlqWorkbench open(DlqConfig config, ContractCatalog catalog) {
        return open(config, catalog, LoadProgress.NONE);
    }

    /** As {@link #open(DlqConfig, ContractCatalog)}, telling {@code progress} how the loads of the queue go. */
    public static DlqWorkbench open(DlqConfig config, ContractCatalog catalog, LoadProgress progress) {
        provisionWaitingForTheBroker(config);
        DlqWorkbench workbench = new DlqWorkbench(config, catalog, Clock.systemUTC());
        workbench.reader.progressTo(progress);
        workbench.reader.refresh();
        return workbench;
    }

    /**
     * Creates the workbench's own topics; a broker that does not answer yet (an outage, or started after us) is a
     * passing fault: retried with back-off for {@link #BROKER_WAIT_TIMEOUTS} times {@code dlq.broker-timeout} (2 minutes by
     * default), then the start fails naming the cluster.
     */
    private static void provisionWaitingForTheBroker(DlqConfig config) {
        Set<String> own = Set.of(Topics.DLQ, Topics.DLQ_PARKED, Topics.AUDIT, Topics.DLQ_STATE);
        long deadline = System.nanoTime() + config.brokerTimeout().multipliedBy(BROKER_WAIT_TIMEOUTS).toNanos();
        long backoffMs = 500;
        while (true) {
            try (Admin admin = new KafkaClients(config).admin("spine-dlq-admin")) {
                new TopicProvisioner(admin, config.replicationFactor()).provision(TopicCatalogue.of(List.of()).topics().stream()
                        .filter(t -> own.contains(t.name())).toList());
                return;
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException(e.getMessage() + " (kafka.bootstrap.servers=" + config.bootstrapServers() + ")", e);
                }
                LOG.warn("dlq broker not answering, provisioning retried bootstrap={} in_ms={} error={}", config.bootstrapServers(),
                        backoffMs, e.getCause().toString());
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the broker", ie);
                }
                backoffMs = Math.min(backoffMs * 2, 5_000);
            }
        }
    }

    public DlqConfig config() {
        return config;
    }

    public ContractCatalog catalog() {
        return catalog;
    }

    /** The dead letters matching the filter within the caller's domains, and whether others were left out. */
    public Selection select(DeadLetterFilter filter, Steward who) {
        policy.require(who, Role.VIEWER, "list");
        return views.select(filter, who);
    }

    /**
     * The dead letters matching the filter within the caller's domains in full, oldest first per DLQ partition: read
     * into the heap, payloads and all, so for small selections (tests, scripts); lists page with {@link #page}.
     */
    public List<QueuedDeadLetter> list(DeadLetterFilter filter, Steward who) {
        return select(filter, who).letters();
    }

    /** One page of the matching dead letters from the index (no payloads), the selection's total and the scope. */
    public ListPage page(DeadLetterFilter filter, Steward who, ListPage.Order order, String cursor, int limit) {
        policy.require(who, Role.VIEWER, "list");
        return views.page(filter, who, order, cursor, limit);
    }

    /** The active queue's depth by contract × failure type and the oldest per contract (the depth gauges' figures). */
    public QueueDepth depth() {
        return views.depth();
    }

    /** How many dead letters the index holds, of any status. */
    public long indexed() {
        return reader.size();
    }

    /** Counts by contract × failure type × rule, oldest and newest, within the caller's domains. */
    public DlqSummary summary(DeadLetterFilter filter, Steward who) {
        policy.require(who, Role.VIEWER, "summary");
        return views.summary(filter, who);
    }

    /** Arrivals over the last day or week per rule, within the caller's domains (any status unless the filter names one). */
    public Arrivals arrivals(Arrivals.Window window, DeadLetterFilter filter, Steward who) {
        return arrivals.arrivals(window, filter, who);
    }

    /** One line per dead letter for tables and lists: no payload, no PII. */
    public ObjectNode row(QueuedDeadLetter q) {
        return views.row(q);
    }

    /** As {@link #row(QueuedDeadLetter)}, from the index. */
    public ObjectNode row(QueueEntry e) {
        return views.row(e);
    }

    /** One dead letter in full, PII shown when the caller may see its domain's (audited). */
    public Optional<ObjectNode> inspect(String id, Steward who) {
        return inspect(id, who, true);
    }

    /** As {@link #inspect(String, Steward)}; {@code wantPii} false masks PII even for callers who may see it. */
    public Optional<ObjectNode> inspect(String id, Steward who, boolean wantPii) {
        return views.inspect(id, who, wantPii, q -> audit.piiShown(who, q.id(), policy.domainOf(q.letter()).orElse(null)));
    }

    /** The audit trail as far as the caller may read it (stewards: their domains' entries), newest last. */
    public List<AuditEntry> audit(int limit, Steward who) {
        return audit.read(limit, who);
    }

    /** Applies a JSON merge patch (RFC 7386) to the current value of each selected active dead letter. */
    public ActionReport repair(DeadLetterFilter filter, JsonNode patch, Steward who) {
        return repairs.repair(filter, patch, who);
    }

    /** What a repair would do (counts, the first values before and after), written nowhere but the audit. */
    public RepairPreview previewRepair(DeadLetterFilter filter, JsonNode patch, Steward who) {
        return repairs.preview(filter, patch, who);
    }

    /** Checks the current value of every matching dead letter against its contract as it stands now; changes nothing. */
    public ActionReport recheck(DeadLetterFilter filter, Steward who) {
        policy.require(who, Role.STEWARD, "recheck");
        return recheck.recheck(views.select(filter, who), filter, who, audit);
    }

    /** Takes the matching active dead letters out of the queue; their envelopes are copied to the parked topic. */
    public ActionReport park(DeadLetterFilter filter, String reason, Steward who) {
        return leaving.leave(filter, reason, who, DeadLetterStatus.PARKED);
    }

    /** Marks the matching active dead letters as dealt with; they leave the queue and stay on the DLQ. */
    public ActionReport resolve(DeadLetterFilter filter, String reason, Steward who) {
        return leaving.leave(filter, reason, who, DeadLetterStatus.RESOLVED);
    }

    /**
     * The ids of the dead letters sealed under these data subjects' keys (named by their subject HMAC, as the envelope
     * carries it), whatever their status: what an erasure resolves (issue 16). Reads {@code spine.dlq} once. First this
     * workbench's own key store catches up, so the keys the erasure has just destroyed (through its own store) are seen
     * destroyed from here on: the letters no longer open, in clear or otherwise, not even within the store's refresh.
     */
    public java.util.Set<String> sealedFor(java.util.Set<String> subjectHmacs) {
        sealer.catchUpKeys();
        return io.meshspine.dlq.internal.SubjectDeadLetters.find(clients, decoder, subjectHmacs, config.brokerTimeout());
    }

    /** Publishes the matching dead letters back through the gate (a dry run unless the request says otherwise). */
    public ActionReport replay(ReplayRequest request, Steward who, ReplayProgress progress) {
        return replays.replay(request, who, progress);
    }

    /** Records a refused or failed HTTP request (401, 403, 400, 5xx) in the audit: who (when known), what, the status. */
    public void auditRefusal(Steward who, String method, String path, int status, String message) {
        audit.refusal(who, method, path, status, message);
    }

    /** A summary of requests refused for want of a valid token (counts per client address), one entry per window. */
    public void auditUnauthenticated(ObjectNode summary) {
        audit.write(audit.entry(null, "http-unauthenticated", null, Set.of(), summary.path("refused_401").asLong()
                + summary.path("throttled_429").asLong(), "401", summary));
    }

    @Override
    public void close() {
        writer.close();
        audit.close();
        reader.close();
        lineage.close();
        sealer.close();
    }
}
