package io.meshspine.sink.internal;

import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SilverMode;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.ContractGate;
import io.meshspine.gate.GateDecision;
import io.meshspine.sink.BatchTrigger;
import io.meshspine.sink.CrashPoint;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Rebuilds a contract's Silver table from a fixed snapshot of its Bronze table, through the gate's own decision code
 * ({@link ContractGate#decide} with stage {@code backfill}: decode, resolve, key, dedup within the backfill, rules,
 * masking with the production key) and the sink's own Silver row code ({@link SilverRows}). One Bronze file is one
 * chunk: its Silver files and manifest entry are written before the next starts, so a rerun after a crash goes on after
 * the last committed chunk; the table appears only with the final Delta commit, which adds every chunk's files at once.
 * Records the contract refuses become dead letters with stage {@code backfill} (never skipped); a dry run makes the
 * same decisions and writes nothing.
 */
public final class BackfillJob {

    public static final String STAGE = "backfill";
    private static final Logger log = LoggerFactory.getLogger(BackfillJob.class);

    /** What to backfill, from where, into where. */
    /**
     * @param replace           the target is the live Silver table, replaced in one commit (see {@link ReplaceCommit})
     * @param gateApplicationId the live gate's application id (its consumer group): a replace waits for it to pass the snapshot
     */
    public record Request(Contract contract, String bronzePath, String targetPath, BronzeReader.Bound to, BronzeReader.Bound from,
                          boolean dryRun, boolean replace, String bootstrapServers, Map<String, Object> kafkaClient,
                          String gateApplicationId, Duration replaceWait) {
    }

    /** The outcome: counts by kind, what was written, and which earlier (gate) dead letters now pass. */
    public record Summary(String target, long bronzeVersion, long rowsRead, long passed, long deadLettered, long duplicates,
                          long refused, long silverRows, int files, long tableVersion, int chunksResumed, List<String> nowPassing,
                          Duration took, boolean dryRun) {
        public double rowsPerSecond() {
            return took.toNanos() == 0 ? 0 : rowsRead / (took.toNanos() / 1e9);
        }
    }

    /** Told about progress (the CLI prints it on stderr). */
    public interface Progress {
        Progress NONE = (read, total, elapsed) -> {
        };

        void rows(long read, long total, Duration elapsed);
    }

    private final Request request;
    private final ContractGate gate;
    private final RegistrySchemas schemas;
    private final Configuration conf;
    private final DeadLetters deadLetters;
    private final Contract contract;
    private final boolean upsert;
    private final TableSpec spec;

    /** Null when Bronze is read in clear. */
    private final io.meshspine.core.privacy.SubjectCipher cipher;

    public BackfillJob(Request request, ContractGate gate, RegistrySchemas schemas, Configuration conf) {
        this(request, gate, schemas, conf, null);
    }

    /** @param cipher decrypts an encrypted Bronze table and seals the backfill's dead letters (null: Bronze in clear) */
    public BackfillJob(Request request, ContractGate gate, RegistrySchemas schemas, Configuration conf,
                       io.meshspine.core.privacy.SubjectCipher cipher) {
        this.cipher = cipher;
        this.request = request;
        this.gate = gate;
        this.schemas = schemas;
        this.conf = conf;
        this.contract = request.contract();
        this.upsert = contract.sink().silverMode() == SilverMode.UPSERT;
        this.spec = new TableSpec(io.meshspine.sink.LakeTables.silverName(contract), request.targetPath(),
                upsert ? TableKind.SILVER_UPSERT : TableKind.SILVER_APPEND, contract.productTopic(), contract, contract.avroSchema(),
                contract.sink().partitionColumn(), contract.keys(), BatchTrigger.DEFAULT);
        this.deadLetters = request.dryRun() ? null : new DeadLetters(request.bootstrapServers(), schemas,
                cipher == null ? null : DeadLetters.sealer(cipher, request.contract(), schemas));
    }

    public Summary run(Progress progress) {
        long started = System.nanoTime();
        try {
            return runChunks(progress, started);
        } finally {
            if (deadLetters != null) {
                deadLetters.close();
            }
        }
    }

    private Summary runChunks(Progress progress, long started) {
        BackfillManifest manifest = new BackfillManifest(request.targetPath(), conf);
        // The same command again resumes the same snapshot, though Bronze has grown since: the sink keeps writing it.
        BronzeReader.Bound to = request.to();
        if (!request.dryRun() && to instanceof BronzeReader.Bound.Latest) {
            Optional<BackfillManifest.Run> unfinished = manifest.run();
            if (unfinished.isPresent()) {
                to = new BronzeReader.Bound.Version(unfinished.get().bronzeVersion());
            }
        }
        BronzeReader bronze = new BronzeReader(contract, request.bronzePath(), conf, to, request.from(), cipher);
        DeltaTable target = new DeltaTable(spec, conf);
        if (request.replace() && !target.deltaLog().tableExists()) {
            throw new IllegalStateException("--replace: there is no live table at " + request.targetPath() + " to replace (use --into)");
        }
        if (request.replace() && !(request.from() instanceof BronzeReader.Bound.Latest)) {
            throw new IllegalArgumentException("--replace rebuilds the whole table: --from does not go with it");
        }
        if (!request.dryRun() && !request.replace() && target.deltaLog().tableExists()) {
            throw new IllegalStateException("a table exists at " + request.targetPath() + " already: a backfill writes a new table"
                    + " (choose another --into, or delete it)");
        }
        BackfillIdentities passedIds = new BackfillIdentities();
        Map<Integer, BackfillManifest.Chunk> done = new HashMap<>();
        String runId;
        String fromText = request.from() instanceof BronzeReader.Bound.Latest ? null : request.from().toString();
        if (request.dryRun()) {
            runId = "dry-run";
        } else {
            Optional<BackfillManifest.Run> earlier = manifest.run();
            if (earlier.isPresent()) {
                BackfillManifest.Run r = earlier.get();
                if (!r.contract().equals(contract.qualifiedName()) || r.bronzeVersion() != bronze.version()) {
                    throw new IllegalStateException("an unfinished backfill of " + r.contract() + " from Bronze version " + r.bronzeVersion()
                            + " is in " + request.targetPath() + "; rerun it with --to " + r.bronzeVersion() + " to resume it, or delete "
                            + request.targetPath() + " to start over");
                }
                runId = r.runId();
                if (!upsert) {
                    // Upsert chunks hold no files (the table is written whole at the end): their state is rebuilt.
                    done.putAll(manifest.committed(passedIds));
                }
                Set<String> claimed = new HashSet<>();
                done.values().forEach(c -> c.files().forEach(f -> claimed.add(f.path())));
                int orphans = manifest.deleteUnclaimed(claimed, filePrefix(runId));
                log.info("backfill resumes run={} target={} chunksDone={} orphanFilesDeleted={}", runId, request.targetPath(), done.size(), orphans);
            } else {
                runId = UUID.randomUUID().toString().substring(0, 8);
                manifest.start(new BackfillManifest.Run(runId, contract.qualifiedName(), request.bronzePath(), bronze.version(), fromText,
                        (upsert ? "upsert" : "append") + (request.replace() ? "+replace" : "")));
            }
        }
        Set<String> earlierDeadLetters = earlierGateDeadLetters();
        SilverRows rows = new SilverRows(contract, new RecordDecoder(schemas, contract.avroSchema()),
                new RecordDecoder(schemas, contract.keySchema()), upsert);
        ParquetFiles parquet = new ParquetFiles(conf);
        List<BronzeReader.BronzeFile> files = bronze.files();
        long total = bronze.totalRows();
        BackfillManifest.Counts counts = BackfillManifest.Counts.ZERO;
        List<ParquetFiles.WrittenFile> written = new ArrayList<>();
        List<String> nowPassing = new ArrayList<>();
        TreeMap<BusinessKey, GenericRecord> latest = upsert ? new TreeMap<>() : null;
        Map<Integer, Long> lastRawOffsets = new HashMap<>();
        int resumed = 0;
        long read = 0;
        long lastReport = 0;
        for (int i = 0; i < files.size(); i++) {
            BronzeReader.BronzeFile file = files.get(i);
            BackfillManifest.Chunk prior = done.get(i);
            if (prior != null && prior.bronzeFile().equals(file.path())) {
                counts = counts.plus(prior.counts());
                written.addAll(prior.files());
                nowPassing.addAll(prior.nowPassing());
                prior.lastOffsets().forEach((p, o) -> lastRawOffsets.merge(p, o, Math::max));
                read += prior.counts().read();
                resumed++;
                continue;
            }
            ChunkWork chunk = new ChunkWork(runId, new OpenPartitions(parquet, filePrefix(runId)), rows, earlierDeadLetters, passedIds, latest);
            try {
                bronze.read(file, chunk::decide);
            } catch (RuntimeException e) {
                chunk.abandon();
                throw e;
            }
            List<ParquetFiles.WrittenFile> chunkFiles = chunk.close();
            if (!request.dryRun()) {
                deadLetters.sendAll(chunk.deadLetters);
                Crash.at(CrashPoint.BACKFILL_CHUNK_BEFORE_MANIFEST);
                manifest.commit(new BackfillManifest.Chunk(i, file.path(), chunk.counts(), chunkFiles, chunk.nowPassing, chunk.lastOffsets),
                        chunk.identities);
                Crash.committed();
            }
            counts = counts.plus(chunk.counts());
            written.addAll(chunkFiles);
            nowPassing.addAll(chunk.nowPassing);
            chunk.lastOffsets.forEach((p, o) -> lastRawOffsets.merge(p, o, Math::max));
            read += chunk.read;
            long now = System.nanoTime();
            if (now - lastReport > 1_000_000_000L || i == files.size() - 1) {
                progress.rows(read, total, Duration.ofNanos(now - started));
                lastReport = now;
            }
        }
        long silverRows;
        long version = -1;
        if (upsert) {
            silverRows = latest.values().stream().filter(java.util.Objects::nonNull).count();
        } else {
            silverRows = counts.passed() - counts.refused();
        }
        if (!request.dryRun() && request.replace()) {
            ReplaceCommit.Result r = new ReplaceCommit(request, spec, target, rows, new OpenPartitions(parquet, filePrefix(runId)), conf, schemas)
                    .commit(written, latest, lastRawOffsets, bronze.version(), runId);
            version = r.version();
            silverRows += r.tailRows();
            written.clear();
            written.addAll(r.added());
            manifest.remove();
        } else if (!request.dryRun()) {
            if (upsert) {
                OpenPartitions out = new OpenPartitions(parquet, filePrefix(runId));
                latest.values().forEach(r -> {
                    if (r != null) {
                        out.write(r);
                    }
                });
                written.addAll(out.close());
            }
            version = commit(target, written, bronze.version(), runId);
            manifest.remove();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        return new Summary(request.targetPath(), bronze.version(), counts.read(), counts.passed(), counts.deadLettered(), counts.duplicates(),
                counts.refused(), silverRows, written.size(), version, resumed, List.copyOf(nowPassing), took, request.dryRun());
    }

    /** The one commit that makes the result visible: every chunk's files, the table's metadata, what the run read. */
    private long commit(DeltaTable target, List<ParquetFiles.WrittenFile> files, long bronzeVersion, String runId) {
        OptimisticTransaction txn = target.begin();
        if (txn.readVersion() >= 0) {
            throw new IllegalStateException("a table appeared at " + request.targetPath() + " while the backfill ran");
        }
        long now = System.currentTimeMillis();
        List<Action> actions = new ArrayList<>();
        for (ParquetFiles.WrittenFile f : files) {
            actions.add(new AddFile(f.path(), f.partitionValues(), f.size(), now, true, f.stats(), Map.of()));
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("mode", "\"ErrorIfExists\"");
        params.put("backfill", "\"" + contract.qualifiedName() + " from " + request.bronzePath().replace("\"", "") + " at version "
                + bronzeVersion + ", run " + runId + "\"");
        long version = txn.commit(actions, new Operation(Operation.Name.WRITE, params), DeltaTable.ENGINE_INFO).getVersion();
        log.info("backfill committed table={} version={} files={} bronzeVersion={} run={}", request.targetPath(), version, files.size(),
                bronzeVersion, runId);
        return version;
    }

    /** The ids of this contract's gate dead letters on spine.dlq: a backfill that passes their record says so. */
    private Set<String> earlierGateDeadLetters() {
        Set<String> ids = new HashSet<>();
        if (request.bootstrapServers() == null) {
            return ids;
        }
        Map<String, Object> props = new HashMap<>(request.kafkaClient());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, request.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        RecordDecoder decoder = new RecordDecoder(schemas, DeadLetterCodec.SCHEMA);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.DLQ, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(Topics.DLQ, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    RecordDecoder.Decoded d = decoder.decode(r.value());
                    if (!d.ok()) {
                        continue;
                    }
                    DeadLetter letter = DeadLetterCodec.fromAvro(d.record());
                    if (ContractGate.STAGE.equals(letter.stage()) && contract.qualifiedName().equals(letter.contract())) {
                        ids.add(letter.id());
                    }
                }
            }
        }
        return ids;
    }

    /** The backfill's own files start with its run id: a rerun deletes only those of its run that no chunk claims. */
    static String filePrefix(String runId) {
        return "backfill-" + runId + "-";
    }

    /** Silver rows streamed into one open file per partition value. */
    final class OpenPartitions {
        private final ParquetFiles parquet;
        private final String prefix;
        private final Map<String, ParquetFiles.OpenFile> open = new LinkedHashMap<>();
        private final int partitionPos;
        private final Schema partitionSchema;

        OpenPartitions(ParquetFiles parquet, String prefix) {
            this.parquet = parquet;
            this.prefix = prefix;
            this.partitionPos = spec.partitionColumn().map(c -> spec.rowSchema().getField(c).pos()).orElse(-1);
            this.partitionSchema = spec.partitionColumn().map(c -> DeltaSchemas.nonNull(c, spec.rowSchema().getField(c).schema())).orElse(null);
        }

        void write(GenericRecord row) {
            String value = partitionPos < 0 ? "" : ParquetFiles.partitionValue(partitionSchema, row.get(partitionPos));
            ParquetFiles.OpenFile f = open.get(value);
            if (f == null) {
                Map<String, String> pv = new LinkedHashMap<>();
                spec.partitionColumn().ifPresent(col -> pv.put(col, value));
                f = parquet.open(spec.path(), ParquetFiles.partitionDir(spec.partitionColumn(), value), prefix, pv, spec.rowSchema(), spec.keyColumns());
                open.put(value, f);
            }
            f.write(row);
        }

        List<ParquetFiles.WrittenFile> close() {
            List<ParquetFiles.WrittenFile> out = new ArrayList<>();
            for (ParquetFiles.OpenFile f : open.values()) {
                out.add(f.close());
            }
            open.clear();
            return out;
        }

        void abandon() {
            open.values().forEach(ParquetFiles.OpenFile::abandon);
            open.clear();
        }
    }

    /** One chunk (a Bronze file) being decided and written. */
    private final class ChunkWork implements GateDecision.Handler {
        private final String runId;
        private final OpenPartitions out;
        private final SilverRows rows;
        private final Set<String> earlier;
        private final BackfillIdentities passedIds;
        private final TreeMap<BusinessKey, GenericRecord> latest;
        final Map<Integer, Long> lastOffsets = new HashMap<>();
        final BackfillIdentities.Chunk identities = new BackfillIdentities.Chunk();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<String> nowPassing = new ArrayList<>();
        long read;
        long passed;
        long rejected;
        long duplicates;
        long refused;
        private ContractGate.RawRecord current;
        private final Instant now = Instant.now();

        ChunkWork(String runId, OpenPartitions out, SilverRows rows, Set<String> earlier, BackfillIdentities passedIds,
                  TreeMap<BusinessKey, GenericRecord> latest) {
            this.runId = runId;
            this.out = out;
            this.rows = rows;
            this.earlier = earlier;
            this.passedIds = passedIds;
            this.latest = latest;
        }

        void decide(ContractGate.RawRecord raw) {
            read++;
            current = raw;
            lastOffsets.merge(raw.partition(), raw.offset(), Math::max);
            gate.decide(raw, now, passedIds::contains, STAGE).applyTo(this);
        }

        @Override
        public void pass(GateDecision.Pass pass) {
            passed++;
            passedIds.add(pass.dedupIdentity());
            identities.add(pass.dedupIdentity());
            String rawId = current.topic() + "/" + current.partition() + "/" + current.offset();
            if (earlier.contains(rawId)) {
                nowPassing.add(rawId);
            }
            ConsumerRecord<byte[], byte[]> product = new ConsumerRecord<>(pass.productTopic(), current.partition(), current.offset(),
                    current.timestamp(), TimestampType.CREATE_TIME, -1, -1, pass.key(), pass.value(), pass.headers(), Optional.empty());
            SilverRows.Change change = rows.change(product);
            if (change instanceof SilverRows.Change.Upsert u) {
                if (upsert) {
                    latest.put(u.key(), u.row());
                } else if (!request.dryRun()) {
                    out.write(u.row());
                }
            } else if (change instanceof SilverRows.Change.Delete d) {
                latest.put(d.key(), null);
            } else if (change instanceof SilverRows.Change.Refused r) {
                refused++;
                deadLetters.add(withRunId(DeadLetter.sinkFailure(origin(), r.reason())));
            }
        }

        @Override
        public void reject(GateDecision.Reject reject) {
            rejected++;
            deadLetters.add(withRunId(reject.deadLetter()));
        }

        @Override
        public void duplicate(GateDecision.Duplicate duplicate) {
            duplicates++;
            // A re-send the gate refused along with its first copy: the backfilled table holds that record now.
            String rawId = current.topic() + "/" + current.partition() + "/" + current.offset();
            if (earlier.contains(rawId)) {
                nowPassing.add(rawId);
            }
        }

        /**
         * A backfill's dead letter has its own id ({@code backfill:<run>:<topic>/<partition>/<offset>}), so it never
         * merges with the gate's dead letter of the same raw record in the stewards' state, and a rerun of the same
         * run re-sends the same ids.
         */
        private DeadLetter withRunId(DeadLetter d) {
            return d.withId(STAGE + ":" + runId + ":" + d.original().id());
        }

        private DeadLetter.Origin origin() {
            List<OriginalRecord.Header> headers = new ArrayList<>();
            for (Header h : current.headers()) {
                headers.add(new OriginalRecord.Header(h.key(), h.value()));
            }
            OriginalRecord original = new OriginalRecord(current.topic(), current.partition(), current.offset(), current.timestamp(),
                    current.key(), current.value(), headers);
            Header c = current.headers().lastHeader(SpineHeaders.CORRELATION_ID);
            return new DeadLetter.Origin(STAGE, original, contract.qualifiedName(), contract.version(),
                    c == null ? original.id() : SpineHeaders.string(c.value()), 0, now, Map.of("table", spec.path()));
        }

        List<ParquetFiles.WrittenFile> close() {
            return out.close();
        }

        void abandon() {
            out.abandon();
        }

        BackfillManifest.Counts counts() {
            return new BackfillManifest.Counts(read, passed, rejected + refused, duplicates, refused);
        }
    }
}
