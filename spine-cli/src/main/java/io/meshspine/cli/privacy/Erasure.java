package io.meshspine.cli.privacy;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.privacy.KeyScope;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.gate.internal.PiiMasker;
import io.meshspine.sink.BronzeKeyFiles;
import io.meshspine.sink.LakeTables;
import io.meshspine.sink.SubjectDeletion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * Erases one data subject across the lake (crypto-shredding, issue 16): for every contract whose subject is the given
 * field, destroys the subject's data keys in its domain (Bronze rows and encrypted originals under them become
 * unreadable), deletes the subject's Silver rows (found by the value the gate writes there: the subject field's hash,
 * with the gate's hash key), lists the Bronze files whose ciphertext is now unreadable, and writes an
 * {@link Attestation} to {@code spine.audit}. Running it again changes nothing and says so.
 */
public final class Erasure {

    private static final Logger log = LoggerFactory.getLogger(Erasure.class);

    /** The things an erasure does not reach, said in every attestation. */
    static final List<String> NOT_REACHED = List.of(
            "raw topics (raw.<domain>.<dataset>) and CDC internal topics hold the records in clear until their retention"
                    + " (default 7 days) deletes them",
            "dead letters written with privacy.encrypt-dead-letters=false (or by a version that did not seal them) keep their originals in clear on "
                    + Topics.DLQ + " until its retention; sealed ones (on " + Topics.DLQ + " and " + Topics.DLQ_PARKED
                    + ") are unreadable from now on",
            "copies outside the lake (consumers of product topics hold only hashed or redacted values)");

    /** Said unless --purge-now deleted them. */
    static final String FILES_UNTIL_VACUUM = "files the Silver delete commits removed stay on storage until vacuum deletes them (after the"
            + " vacuum retention); time travel to earlier versions shows the rows until then (--purge-now deletes them at once)";

    /** Said when the dead letters were not searched (no workbench given). */
    static final String DEAD_LETTERS_NOT_SEARCHED = "the subject's dead letters were not searched nor marked resolved (no workbench)";

    /**
     * @param subjectField the contracts' subject field, e.g. customer_id
     * @param subjectValue the subject's value (never logged, never stored)
     * @param reason       the ticket or legal basis
     */
    /**
     * @param purgeNow delete the files the Silver delete commits removed at once (breaks time travel to earlier versions)
     * @param actor    who resolves the subject's dead letters in the workbench (and how identified: the audit says)
     */
    public record Request(String subjectField, String subjectValue, String reason, String requestedBy, boolean purgeNow,
                          io.meshspine.dlq.Steward actor) {
        public Request(String subjectField, String subjectValue, String reason, String requestedBy) {
            this(subjectField, subjectValue, reason, requestedBy, false, io.meshspine.dlq.Steward.localAdmin(requestedBy));
        }

        @Override
        public String toString() {
            // never the subject value
            return "Request[" + subjectField + ", reason " + reason + ", by " + requestedBy + ", purgeNow " + purgeNow + "]";
        }
    }

    private final List<Contract> contracts;
    private final String lakeRoot;
    private final Map<String, String> hadoop;
    private final DataKeyStore keys;
    private final byte[] gateHashKey;
    private final Map<String, Object> kafkaClient;
    private final Clock clock;
    /** Finds and resolves the subject's dead letters; null: they are not searched (the attestation says so). */
    private final io.meshspine.dlq.DlqWorkbench workbench;

    public Erasure(List<Contract> contracts, String lakeRoot, Map<String, String> hadoop, DataKeyStore keys, byte[] gateHashKey,
                   Map<String, Object> kafkaClient, Clock clock) {
        this(contracts, lakeRoot, hadoop, keys, gateHashKey, kafkaClient, clock, null);
    }

    public Erasure(List<Contract> contracts, String lakeRoot, Map<String, String> hadoop, DataKeyStore keys, byte[] gateHashKey,
                   Map<String, Object> kafkaClient, Clock clock, io.meshspine.dlq.DlqWorkbench workbench) {
        this.workbench = workbench;
        this.contracts = List.copyOf(contracts);
        this.lakeRoot = lakeRoot;
        this.hadoop = Map.copyOf(hadoop);
        this.keys = keys;
        this.gateHashKey = gateHashKey.clone();
        this.kafkaClient = Map.copyOf(kafkaClient);
        this.clock = clock;
    }

    /** The contracts whose data subject is {@code field}. */
    public List<Contract> contractsOf(String field) {
        return contracts.stream().filter(c -> c.subject().field().filter(field::equals).isPresent()).toList();
    }

    public Attestation erase(Request request) {
        List<Contract> affected = contractsOf(request.subjectField());
        if (affected.isEmpty()) {
            throw new IllegalArgumentException("no contract names '" + request.subjectField() + "' as its data subject (subject: {field: ...})");
        }
        String erasureId = "erasure-" + UUID.randomUUID();
        Instant requestedAt = clock.instant();
        Set<String> domains = new LinkedHashSet<>();
        affected.forEach(c -> domains.add(c.domain()));

        // 1. Keys first: from here on no reader can decrypt the subject's Bronze rows, whatever else fails below.
        Map<String, String> hashByDomain = new LinkedHashMap<>();
        List<Attestation.DestroyedKey> destroyed = new ArrayList<>();
        Map<String, Set<String>> destroyedByDomain = new HashMap<>();
        List<String> previous = new ArrayList<>();
        for (String domain : domains) {
            KeyScope scope = KeyScope.subject(domain, request.subjectValue());
            String hash = keys.hasher().hash(scope);
            hashByDomain.put(domain, hash);
            keys.erasure(hash).ifPresent(e -> previous.add(e.erasureId()));
            for (String id : keys.destroy(scope, erasureId)) {
                destroyed.add(new Attestation.DestroyedKey(domain, id));
                destroyedByDomain.computeIfAbsent(domain, d -> new HashSet<>()).add(id);
            }
        }

        // 2. Dead letters: found by the subject HMAC of their sealed envelope (the keys are gone, so they no longer
        // open), marked resolved so that no steward is asked to repair what cannot be read.
        Attestation.DeadLetters deadLetters = null;
        if (workbench != null) {
            Set<String> found = workbench.sealedFor(new LinkedHashSet<>(hashByDomain.values()));
            List<String> resolved = new ArrayList<>();
            if (!found.isEmpty()) {
                var report = workbench.resolve(io.meshspine.dlq.DeadLetterFilter.byIds(found), "erased by " + erasureId + " ("
                        + request.reason() + ")", request.actor());
                report.records().stream().filter(r -> r.outcome() == io.meshspine.dlq.Outcome.RESOLVED).forEach(r -> resolved.add(r.id()));
            }
            deadLetters = new Attestation.DeadLetters(List.copyOf(found), resolved);
        }

        // 3. Silver: the subject's rows, found by what the gate wrote in the subject column.
        List<Attestation.TableDeletion> tables = new ArrayList<>();
        for (Contract c : affected) {
            String field = c.subject().field().orElseThrow();
            String table = LakeTables.silverName(c);
            Masking masking = c.piiField(field).map(PiiField::masking).orElse(Masking.NONE);
            String written = switch (masking) {
                case HASH -> new PiiMasker(c, gateHashKey).hash(request.subjectValue());
                case NONE -> request.subjectValue();
                default -> null;
            };
            if (written == null) {
                tables.add(new Attestation.TableDeletion(table, field, -1, 0, 0, false));
                continue;
            }
            String path = LakeTables.path(lakeRoot, table);
            SubjectDeletion.Result r = SubjectDeletion.delete(path, field, Set.of(written), request.reason(), hadoop);
            List<String> purged = request.purgeNow() && r.changed() ? SubjectDeletion.purge(path, r.filesRemoved(), hadoop) : List.of();
            tables.add(new Attestation.TableDeletion(table, field, r.version(), r.rowsRemoved(), r.filesRemoved().size(), true, purged));
        }

        // 4. Bronze: the files holding rows under the destroyed keys (now unreadable ciphertext).
        List<Attestation.BronzeFiles> bronze = new ArrayList<>();
        Set<String> seenBronze = new HashSet<>();
        for (Contract c : affected) {
            String table = LakeTables.bronzeName(c);
            Set<String> ids = destroyedByDomain.getOrDefault(c.domain(), Set.of());
            if (!c.sink().bronze() || ids.isEmpty() || !seenBronze.add(table)) {
                continue;
            }
            BronzeKeyFiles.Found found = BronzeKeyFiles.find(LakeTables.path(lakeRoot, table), ids, hadoop);
            bronze.add(new Attestation.BronzeFiles(table, found.version(), found.rowsByFile()));
        }

        List<String> notReached = new ArrayList<>(NOT_REACHED);
        if (!request.purgeNow()) {
            notReached.add(FILES_UNTIL_VACUUM);
        }
        if (workbench == null) {
            notReached.add(DEAD_LETTERS_NOT_SEARCHED);
        }
        Attestation attestation = new Attestation(erasureId, request.requestedBy(), request.reason(), requestedAt, clock.instant(),
                request.subjectField(), hashByDomain, destroyed, previous, tables, bronze, deadLetters, notReached);
        audit(attestation, domains, request.actor().via() == io.meshspine.dlq.Steward.Via.TOKEN ? "http" : "cli");
        log.info("erasure done erasure={} domains={} keys_destroyed={} rows_removed={}", erasureId, domains, destroyed.size(),
                attestation.rowsRemoved());
        return attestation;
    }

    private void audit(Attestation a, Set<String> domains, String via) {
        AuditEntry entry = new AuditEntry(a.erasureId(), a.completedAt(), a.requestedBy(), "admin", via, domains, "privacy-erase",
                null, a.rowsRemoved(), a.changedAnything() ? "erased" : "nothing-left", a.toJson());
        Map<String, Object> p = new HashMap<>(kafkaClient);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.AUDIT, a.erasureId(), entry.toBytes())).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the attestation of " + a.erasureId(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the erasure " + a.erasureId() + " is done but its attestation could not be written to "
                    + Topics.AUDIT + ": " + e.getCause().getMessage() + " (it is printed below; keep it)", e.getCause());
        }
    }
}
