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
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Rebuilds a contract's Silver table from a fixed snapshot of its Bronze table, through the gate's own decision code
 * ({@link ContractGate#decide} with stage {@code backfill}: decode, resolve, key, dedup within the backfill, rules,
 * masking with the production key) and the sink's own Silver row code ({@link SilverRows}). Consecutive Bronze files of
 * about {@link Request#chunkRows} rows are one chunk: its Silver files and manifest entry are written before it counts as done, so a rerun after a crash goes on
 * after the last committed chunk; the table appears only with the final Delta commit, which adds every chunk's files at
 * once. Records the contract refuses become dead letters with stage {@code backfill} (never skipped); a dry run makes
 * the same decisions and writes nothing.
 *
 * <p>Parallel: this thread reads the Bronze files in source order and hands each raw record to one of
 * {@link Request#workers} workers by its raw key, through bounded queues (memory stays bounded however large Bronze
 * is). A producer keys a record by its business key, so one key's records, and the copies of one record, go to one
 * worker in source order: deduplication (first copy passes) and an upsert key's order are those of a sequential read.
 * A record whose copies or changes carry different raw keys still passes once (the identities are shared), and an
 * upsert key's changes from several workers are merged by {@link NewestChange} in read order. Chunks are committed in
 * file order.
 */
public final class BackfillJob {

    public static final String STAGE = "backfill";
    private static final Logger log = LoggerFactory.getLogger(BackfillJob.class);
    /** Records per hand-over to a worker, and hand-overs a worker's queue holds: what bounds the records in flight. */
    private static final int BATCH = 256;
    private static final int QUEUED_BATCHES = 8;
    /** Tells a worker the run is over. */
    private static final Object STOP = new Object();

    /**
     * What to backfill, from where, into where.
     *
     * @param replace           the target is the live Silver table, replaced in one commit (see {@link ReplaceCommit})
     * @param gateApplicationId the live gate's application id (its consumer group): a replace waits for it to pass the snapshot
     * @param workers           threads deciding records (at least 1)
     * @param chunkRows         Bronze rows per chunk (consecutive files; at least one file each)
     * @param memoryRows        the memory bound: upsert changes held in memory (all workers together) before they spill
     *                          to disk, and an eighth of the dedup identities held (an identity takes 32 bytes, a
     *                          decoded row about a kilobyte)
     */
    public record Request(Contract contract, String bronzePath, String targetPath, BronzeReader.Bound to, BronzeReader.Bound from,
                          boolean dryRun, boolean replace, String bootstrapServers, Map<String, Object> kafkaClient,
                          String gateApplicationId, Duration replaceWait, int workers, long chunkRows, int memoryRows) {
        public Request {
            if (memoryRows < 1) {
                throw new IllegalArgumentException("memory rows must be at least 1, not " + memoryRows);
            }
        }

        /** The cluster and the operator's {@code kafka.*} settings, for every client the backfill makes. */
        public Map<String, Object> clientProperties() {
            return io.meshspine.core.config.CommonSettings.kafkaClient(bootstrapServers, kafkaClient);
        }

        /** Dedup identities held in memory before they spill. */
        int identitiesInMemory() {
            return (int) Math.min(Integer.MAX_VALUE, 8L * memoryRows);
        }
    }

    /** The outcome: counts by kind, what was written, and which earlier (gate) dead letters now pass. */
    public record Summary(String target, long bronzeVersion, long rowsRead, long passed, long deadLettered, long duplicates,
                          long refused, long silverRows, int files, long tableVersion, int chunksResumed, List<String> nowPassing,
                          Duration took, boolean dryRun, int workers, int spills) {
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
    private final Supplier<ContractGate> gates;
    private final RegistrySchemas schemas;
    private final Configuration conf;
    private final DeadLetters deadLetters;
    private final Contract contract;
    private final boolean upsert;
    private final TableSpec spec;
    private final BackfillLineage lineage;
    /** Bytes of the Silver files the final commit added (for the lineage's output statistics). */
    private long writtenBytes;

    /** Null when Bronze is read in clear. */
    private final io.meshspine.core.privacy.SubjectCipher cipher;

    /**
     * @param gates a new gate decision instance per worker (each holds decoders and MACs of its own)
     */
    public BackfillJob(Request request, Supplier<ContractGate> gates, RegistrySchemas schemas, Configuration conf, LineageEmitter lineage) {
        this(request, gates, schemas, conf, lineage, null);
    }

    /**
     * @param gates a new gate decision instance per worker (each holds decoders and MACs of its own)
     * @param cipher decrypts an encrypted Bronze table and seals the backfill's dead letters (null: Bronze in clear)
     */
    public BackfillJob(Request request, Supplier<ContractGate> gates, RegistrySchemas schemas, Configuration conf, LineageEmitter lineage,
                       io.meshspine.core.privacy.SubjectCipher cipher) {
        this(request, gates, schemas, conf, lineage, cipher, cipher == null ? null : DeadLetters.sealer(cipher, request.contract(), schemas));
    }

    /**
     * @param gates  a new gate decision instance per worker (each holds decoders and MACs of its own)
     * @param cipher decrypts an encrypted Bronze table (null: Bronze in clear)
     * @param sealer seals the dead letters of the backfill and of its {@code --replace} (null: in clear); its caller closes it
     */
    public BackfillJob(Request request, Supplier<ContractGate> gates, RegistrySchemas schemas, Configuration conf, LineageEmitter lineage,
                       io.meshspine.core.privacy.SubjectCipher cipher, io.meshspine.core.privacy.DeadLetterSealer sealer) {
        this.cipher = cipher;
        this.request = request;
        this.gates = gates;
        this.schemas = schemas;
        this.conf = conf;
        this.contract = request.contract();
        this.upsert = contract.sink().silverMode() == SilverMode.UPSERT;
        this.spec = new TableSpec(io.meshspine.sink.LakeTables.silverName(contract), request.targetPath(),
                // The live table's own row schema: an upsert row carries its source sequence, as the sink writes it.
                upsert ? TableKind.SILVER_UPSERT : TableKind.SILVER_APPEND, contract.productTopic(), contract,
                upsert ? SilverRows.upsertRowSchema(contract.avroSchema()) : contract.avroSchema(),
                contract.sink().partitionColumn(), contract.keys(), BatchTrigger.DEFAULT);
        this.deadLetters = request.dryRun() ? null : new DeadLetters(request.clientProperties(), schemas, sealer);
        this.lineage = new BackfillLineage(lineage, spec, request.bronzePath());
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
        LineageRun run = request.dryRun() ? null : lineage.begin(bronze.version());
        long[] read = {0};
        try {
            Summary s = runOn(bronze, manifest, progress, started, run, read);
            if (run != null) {
                lineage.completed(run, bronze.version(), s.rowsRead(), s.silverRows(), s.deadLettered(), s.tableVersion(), s.files(), writtenBytes);
            }
            return s;
        } catch (RuntimeException | Error e) {
            if (run != null) {
                lineage.failed(run, bronze.version(), read[0], e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            throw e;
        }
    }

    private Summary runOn(BronzeReader bronze, BackfillManifest manifest, Progress progress, long started, LineageRun run, long[] readSoFar) {
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
        SpillDirectory spill = new SpillDirectory(contract.qualifiedName());
        BackfillIdentities passedIds = new BackfillIdentities(request.identitiesInMemory(), bronze.totalRows(), spill);
        List<UpsertState> states = new ArrayList<>();
        try {
            return runWith(bronze, manifest, progress, started, run, readSoFar, target, spill, passedIds, states);
        } finally {
            states.forEach(UpsertState::close);
            passedIds.close();
            spill.close();
        }
    }

    private Summary runWith(BronzeReader bronze, BackfillManifest manifest, Progress progress, long started, LineageRun run, long[] readSoFar,
                            DeltaTable target, SpillDirectory spill, BackfillIdentities passedIds, List<UpsertState> states) {
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
        List<BronzeReader.BronzeFile> files = bronze.files();
        List<List<BronzeReader.BronzeFile>> chunks = chunks(files, request.chunkRows());
        for (Map.Entry<Integer, BackfillManifest.Chunk> e : done.entrySet()) {
            // Resumed chunks are trusted with their identities: a chunk cut differently would drop records as duplicates.
            if (e.getKey() >= chunks.size() || !e.getValue().bronzeFile().equals(names(chunks.get(e.getKey())))) {
                throw new IllegalStateException("the unfinished backfill in " + request.targetPath() + " was cut into other chunks"
                        + " (another --chunk-rows); rerun it with the same --chunk-rows, or delete " + request.targetPath() + " to start over");
            }
        }
        Set<String> earlierDeadLetters = earlierGateDeadLetters();
        ParquetFiles parquet = new ParquetFiles(conf);
        long total = bronze.totalRows();
        int workerCount = Math.max(1, request.workers());
        Shared shared = new Shared(runId, parquet, earlierDeadLetters, passedIds, Instant.now());
        List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < workerCount; w++) {
            UpsertState state = upsert ? new UpsertState(Math.max(1, request.memoryRows() / workerCount), spill, spec.rowSchema(), spec.keyColumns()) : null;
            if (state != null) {
                states.add(state);
            }
            workers.add(new Worker(w, gates.get(), newSilverRows(), shared, state));
        }
        ExecutorService pool = Executors.newFixedThreadPool(workerCount, r -> {
            Thread t = new Thread(r, "spine-backfill-" + contract.qualifiedName());
            t.setDaemon(true);
            return t;
        });
        workers.forEach(pool::execute);
        Totals totals = new Totals();
        ArrayDeque<PendingChunk> pending = new ArrayDeque<>();
        int resumed = 0;
        long[] lastReport = {System.nanoTime()};
        Runnable tick = () -> {
            long now = System.nanoTime();
            if (now - lastReport[0] > 1_000_000_000L) {
                progress.rows(shared.resumedRows + shared.decided.get(), total, Duration.ofNanos(now - started));
                lastReport[0] = now;
            }
        };
        try {
            for (int i = 0; i < chunks.size(); i++) {
                List<BronzeReader.BronzeFile> group = chunks.get(i);
                String names = names(group);
                BackfillManifest.Chunk prior = done.get(i);
                if (prior != null && prior.bronzeFile().equals(names)) {
                    totals.add(prior);
                    shared.resumedRows += prior.counts().read();
                    resumed++;
                    continue;
                }
                PendingChunk chunk = new PendingChunk(i, names, workerCount);
                pending.add(chunk);
                Dispatch dispatch = new Dispatch(i, chunk, workers, shared, tick);
                for (BronzeReader.BronzeFile file : group) {
                    bronze.read(file, dispatch::accept);
                }
                dispatch.end();
                // Commit what is done, in file order; wait when more chunks are in flight than there are workers to keep busy.
                while (!pending.isEmpty() && (pending.peek().isDone() || pending.size() > workerCount + 1)) {
                    commitChunk(pending.poll(), shared, manifest, totals);
                }
                tick.run();
                readSoFar[0] = shared.resumedRows + shared.decided.get();
            }
            while (!pending.isEmpty()) {
                commitChunk(pending.poll(), shared, manifest, totals);
            }
            for (Worker w : workers) {
                shared.put(w, STOP);
            }
        } finally {
            pool.shutdownNow();
        }
        readSoFar[0] = totals.counts.read();
        progress.rows(totals.counts.read(), total, Duration.ofNanos(System.nanoTime() - started));
        UpsertState.Merged latest = upsert ? UpsertState.merge(states) : null;
        List<ParquetFiles.WrittenFile> written = totals.files;
        long silverRows;
        long version = -1;
        if (upsert && (request.dryRun() || request.replace())) {
            long[] n = {0};
            latest.forEach((k, c) -> {
                if (c.row() != null) {
                    n[0]++;
                }
            });
            silverRows = n[0];
        } else if (upsert) {
            silverRows = 0;
        } else {
            silverRows = totals.counts.passed() - totals.counts.refused();
        }
        String lineageRunId = run == null ? null : run.runId().toString();
        // An upsert table's deletes leave tombstones, and the tombstones it has are honoured (a backfill knows no
        // sink.tombstone-retention: the tombstone table keeps the one it records).
        TombstonedRebuild rebuild = upsert ? new TombstonedRebuild(spec, new Tombstones(spec, conf, parquet, null), spill,
                Math.max(1, request.memoryRows())) : null;
        if (!request.dryRun() && request.replace()) {
            ReplaceCommit.Result r = new ReplaceCommit(request, spec, target, newSilverRows(), new OpenPartitions(parquet, filePrefix(runId)), conf,
                    deadLetters, rebuild).commit(written, latest, totals.lastRawOffsets, bronze.version(), runId, lineageRunId);
            version = r.version();
            silverRows += r.tailRows();
            written = new ArrayList<>(r.added());
            manifest.remove();
        } else if (!request.dryRun()) {
            long tombstoneVersion = -1;
            if (upsert) {
                OpenPartitions out = new OpenPartitions(parquet, filePrefix(runId));
                // Commits the deletes' tombstones before the table's commit (a rerun after a crash finds them held).
                TombstonedRebuild.Outcome settled = rebuild.write(latest, null, out::write);
                silverRows = settled.rows();
                tombstoneVersion = settled.tombstoneVersion();
                written.addAll(out.close());
                log.info("backfill upsert state written table={} rows={} tombstones={} keptDeleted={}", request.targetPath(), settled.rows(),
                        settled.tombstones(), settled.covered());
            }
            version = commit(target, written, bronze.version(), runId, lineageRunId, tombstoneVersion);
            manifest.remove();
        }
        writtenBytes = written.stream().mapToLong(ParquetFiles.WrittenFile::size).sum();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        BackfillManifest.Counts counts = totals.counts;
        return new Summary(request.targetPath(), bronze.version(), counts.read(), counts.passed(), counts.deadLettered(), counts.duplicates(),
                counts.refused(), silverRows, written.size(), version, resumed, List.copyOf(totals.nowPassing), took, request.dryRun(), workerCount,
                passedIds.runs() + states.stream().mapToInt(UpsertState::spills).sum());
    }

    /**
     * Consecutive Bronze files (in source order) of about {@code chunkRows} rows together: the unit of resume, and of the
     * Silver files each worker writes (one per partition value and chunk), so small Bronze files do not make small
     * Silver files. A file larger than that is a chunk of its own.
     */
    static List<List<BronzeReader.BronzeFile>> chunks(List<BronzeReader.BronzeFile> files, long chunkRows) {
        List<List<BronzeReader.BronzeFile>> out = new ArrayList<>();
        List<BronzeReader.BronzeFile> current = new ArrayList<>();
        long rows = 0;
        for (BronzeReader.BronzeFile f : files) {
            if (!current.isEmpty() && rows + f.rows() > chunkRows) {
                out.add(current);
                current = new ArrayList<>();
                rows = 0;
            }
            current.add(f);
            rows += f.rows();
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static String names(List<BronzeReader.BronzeFile> group) {
        return String.join("\n", group.stream().map(BronzeReader.BronzeFile::path).toList());
    }

    private SilverRows newSilverRows() {
        return new SilverRows(contract, new RecordDecoder(schemas, contract.avroSchema()), new RecordDecoder(schemas, contract.keySchema()), upsert);
    }

    /** A chunk's parts from every worker, its dead letters sent, then its manifest entry: the chunk's commit point. */
    private void commitChunk(PendingChunk chunk, Shared shared, BackfillManifest manifest, Totals totals) {
        shared.await(chunk);
        BackfillManifest.Counts counts = BackfillManifest.Counts.ZERO;
        List<ParquetFiles.WrittenFile> files = new ArrayList<>();
        List<String> nowPassing = new ArrayList<>();
        Map<Integer, Long> lastOffsets = new HashMap<>();
        List<DeadLetter> letters = new ArrayList<>();
        BackfillIdentities.Chunk identities = new BackfillIdentities.Chunk();
        for (ChunkWork part : chunk.parts) {
            counts = counts.plus(part.counts());
            files.addAll(part.files);
            nowPassing.addAll(part.nowPassing);
            part.lastOffsets.forEach((p, o) -> lastOffsets.merge(p, o, Math::max));
            letters.addAll(part.deadLetters);
            identities.addAll(part.identities);
        }
        BackfillManifest.Chunk entry = new BackfillManifest.Chunk(chunk.index, chunk.bronzeFile, counts, files, nowPassing, lastOffsets);
        if (!request.dryRun()) {
            deadLetters.sendAll(letters);
            Crash.at(CrashPoint.BACKFILL_CHUNK_BEFORE_MANIFEST);
            manifest.commit(entry, identities);
            Crash.committed();
        }
        totals.add(entry);
    }

    /** The one commit that makes the result visible: every chunk's files, the table's metadata, what the run read. */
    /** @param tombstoneVersion the version of the table's tombstones, set as txn {@link Tombstones#APP_ID} (-1: none) */
    private long commit(DeltaTable target, List<ParquetFiles.WrittenFile> files, long bronzeVersion, String runId, String lineageRunId,
                        long tombstoneVersion) {
        OptimisticTransaction txn = target.begin();
        if (txn.readVersion() >= 0) {
            throw new IllegalStateException("a table appeared at " + request.targetPath() + " while the backfill ran");
        }
        long now = System.currentTimeMillis();
        List<Action> actions = new ArrayList<>();
        for (ParquetFiles.WrittenFile f : files) {
            actions.add(new AddFile(f.path(), f.partitionValues(), f.size(), now, true, f.stats(), Map.of()));
        }
        if (tombstoneVersion >= 0) {
            actions.add(new io.delta.standalone.actions.SetTransaction(Tombstones.APP_ID, tombstoneVersion, Optional.of(now)));
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("mode", "\"ErrorIfExists\"");
        params.put("backfill", "\"" + contract.qualifiedName() + " from " + request.bronzePath().replace("\"", "") + " at version "
                + bronzeVersion + ", run " + runId + "\"");
        if (lineageRunId != null) {
            params.put(CommitLineage.COMMIT_INFO_RUN_ID, "\"" + lineageRunId + "\"");
        }
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
        Map<String, Object> props = request.clientProperties();
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

    /** What the chunks committed so far add up to. */
    private static final class Totals {
        BackfillManifest.Counts counts = BackfillManifest.Counts.ZERO;
        final List<ParquetFiles.WrittenFile> files = new ArrayList<>();
        final List<String> nowPassing = new ArrayList<>();
        final Map<Integer, Long> lastRawOffsets = new HashMap<>();

        void add(BackfillManifest.Chunk c) {
            counts = counts.plus(c.counts());
            files.addAll(c.files());
            nowPassing.addAll(c.nowPassing());
            c.lastOffsets().forEach((p, o) -> lastRawOffsets.merge(p, o, Math::max));
        }
    }

    /** A raw record and its place in the read order (chunk index, row in the file): what orders a key's changes across workers. */
    private record Item(ContractGate.RawRecord raw, long ordinal) {
    }

    private record Batch(int chunk, Item[] items, int size) {
    }

    private record ChunkEnd(PendingChunk chunk) {
    }

    /** One chunk in flight: one part per worker, done when every worker has closed its part. */
    private static final class PendingChunk {
        final int index;
        final String bronzeFile;
        final ChunkWork[] parts;
        final CountDownLatch closed;

        PendingChunk(int index, String bronzeFile, int workers) {
            this.index = index;
            this.bronzeFile = bronzeFile;
            this.parts = new ChunkWork[workers];
            this.closed = new CountDownLatch(workers);
        }

        boolean isDone() {
            return closed.getCount() == 0;
        }
    }

    /** What the reader and the workers share: the run's settings, the identities passed, progress and the first failure. */
    private final class Shared {
        final String runId;
        final ParquetFiles parquet;
        final Set<String> earlier;
        final BackfillIdentities passedIds;
        final Instant now;
        final AtomicLong decided = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        long resumedRows;

        Shared(String runId, ParquetFiles parquet, Set<String> earlier, BackfillIdentities passedIds, Instant now) {
            this.runId = runId;
            this.parquet = parquet;
            this.earlier = earlier;
            this.passedIds = passedIds;
            this.now = now;
        }

        void put(Worker w, Object message) {
            try {
                while (!w.queue.offer(message, 200, TimeUnit.MILLISECONDS)) {
                    rethrowFailure();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("backfill interrupted", e);
            }
            rethrowFailure();
        }

        void await(PendingChunk chunk) {
            try {
                while (!chunk.closed.await(200, TimeUnit.MILLISECONDS)) {
                    rethrowFailure();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("backfill interrupted", e);
            }
            rethrowFailure();
        }

        /** A worker's failure stops the run as it would have stopped a sequential one: with the same exception. */
        void rethrowFailure() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** The reader's hand-over of one chunk's records to the workers, in batches, by raw key. */
    private final class Dispatch {
        private final int chunk;
        private final PendingChunk pending;
        private final List<Worker> workers;
        private final Shared shared;
        private final Item[][] buffers;
        private final int[] sizes;
        private final Runnable tick;
        private long row;

        Dispatch(int chunk, PendingChunk pending, List<Worker> workers, Shared shared, Runnable tick) {
            this.tick = tick;
            this.chunk = chunk;
            this.pending = pending;
            this.workers = workers;
            this.shared = shared;
            this.buffers = new Item[workers.size()][BATCH];
            this.sizes = new int[workers.size()];
        }

        void accept(ContractGate.RawRecord raw) {
            long ordinal = ((long) chunk << 32) | row++;
            int w = workers.size() == 1 ? 0 : Math.floorMod(raw.key() == null ? Long.hashCode(raw.offset()) : Arrays.hashCode(raw.key()), workers.size());
            buffers[w][sizes[w]++] = new Item(raw, ordinal);
            if (sizes[w] == BATCH) {
                flush(w);
            }
            if ((row & 4095) == 0) {
                tick.run();
            }
        }

        void end() {
            for (int w = 0; w < workers.size(); w++) {
                if (sizes[w] > 0) {
                    flush(w);
                }
                shared.put(workers.get(w), new ChunkEnd(pending));
            }
        }

        private void flush(int w) {
            shared.put(workers.get(w), new Batch(chunk, buffers[w], sizes[w]));
            buffers[w] = new Item[BATCH];
            sizes[w] = 0;
        }
    }

    /** Decides its share of every chunk's records, in the order handed over. */
    private final class Worker implements Runnable {
        final int index;
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);
        final ContractGate gate;
        final SilverRows rows;
        final Shared shared;
        /** Null for an append table. */
        final UpsertState state;
        private ChunkWork current;

        Worker(int index, ContractGate gate, SilverRows rows, Shared shared, UpsertState state) {
            this.index = index;
            this.state = state;
            this.gate = gate;
            this.rows = rows;
            this.shared = shared;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Object m = queue.take();
                    if (m == STOP) {
                        return;
                    }
                    if (m instanceof Batch b) {
                        ChunkWork work = work(b.chunk());
                        for (int i = 0; i < b.size(); i++) {
                            work.decide(b.items()[i]);
                        }
                        shared.decided.addAndGet(b.size());
                    } else if (m instanceof ChunkEnd end) {
                        ChunkWork work = work(end.chunk().index);
                        work.close();
                        current = null;
                        end.chunk().parts[index] = work;
                        end.chunk().closed.countDown();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                shared.failure.compareAndSet(null, t);
            } finally {
                if (current != null) {
                    current.abandon();
                }
            }
        }

        private ChunkWork work(int chunk) {
            if (current == null || current.chunk != chunk) {
                current = new ChunkWork(chunk, this);
            }
            return current;
        }
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
                // As the live sink's Silver lanes: no dictionary for the key nor for hashed PII (random-looking, unique per subject).
                f = parquet.open(spec.path(), ParquetFiles.partitionDir(spec.partitionColumn(), value), prefix, pv, spec.rowSchema(),
                        ParquetFiles.plainColumns(spec.contract(), spec.rowSchema()));
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

    /** One worker's part of one chunk (a Bronze file) being decided and written. */
    private final class ChunkWork implements GateDecision.Handler {
        final int chunk;
        private final Worker worker;
        private final OpenPartitions out;
        final Map<Integer, Long> lastOffsets = new HashMap<>();
        final BackfillIdentities.Chunk identities = new BackfillIdentities.Chunk();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<String> nowPassing = new ArrayList<>();
        List<ParquetFiles.WrittenFile> files = List.of();
        long read;
        long passed;
        long rejected;
        long duplicates;
        long refused;
        private Item current;

        ChunkWork(int chunk, Worker worker) {
            this.chunk = chunk;
            this.worker = worker;
            this.out = new OpenPartitions(worker.shared.parquet, filePrefix(worker.shared.runId));
        }

        void decide(Item item) {
            read++;
            current = item;
            ContractGate.RawRecord raw = item.raw();
            lastOffsets.merge(raw.partition(), raw.offset(), Math::max);
            worker.gate.decide(raw, worker.shared.now, worker.shared.passedIds::contains, STAGE).applyTo(this);
        }

        @Override
        public void pass(GateDecision.Pass pass) {
            if (!worker.shared.passedIds.add(pass.dedupIdentity())) {
                // Another worker passed a copy of this record first (its copies had different raw keys): this one is the re-send.
                duplicate(new GateDecision.Duplicate(pass.contract(), GateDecision.Duplicate.Reason.PASSED));
                return;
            }
            passed++;
            identities.add(pass.dedupIdentity());
            ContractGate.RawRecord raw = current.raw();
            noteIfEarlierDeadLetter(raw);
            ConsumerRecord<byte[], byte[]> product = new ConsumerRecord<>(pass.productTopic(), raw.partition(), raw.offset(),
                    raw.timestamp(), TimestampType.CREATE_TIME, -1, -1, pass.key(), pass.value(), pass.headers(), Optional.empty());
            SilverRows.Change change = worker.rows.change(product);
            if (change instanceof SilverRows.Change.Upsert u) {
                if (upsert) {
                    keep(u.key(), u);
                } else if (!request.dryRun()) {
                    out.write(u.row());
                }
            } else if (change instanceof SilverRows.Change.Delete d) {
                keep(d.key(), d);
            } else if (change instanceof SilverRows.Change.Refused r) {
                refused++;
                deadLetters.add(withRunId(DeadLetter.sinkFailure(origin(), r.reason())));
            }
        }

        /** The key's change, for its newest by the live sink's rule at the end, so the rebuilt table ends as the live one would. */
        private void keep(BusinessKey key, SilverRows.KeyChange change) {
            worker.state.add(key, change, current.ordinal());
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
            noteIfEarlierDeadLetter(current.raw());
        }

        /** A raw record the gate dead-lettered that passes now: its dead letter can be resolved as backfilled. */
        private void noteIfEarlierDeadLetter(ContractGate.RawRecord raw) {
            if (worker.shared.earlier.isEmpty()) {
                return; // the common case: no id to build per record
            }
            String rawId = raw.topic() + "/" + raw.partition() + "/" + raw.offset();
            if (worker.shared.earlier.contains(rawId)) {
                nowPassing.add(rawId);
            }
        }

        /**
         * A backfill's dead letter has its own id ({@code backfill:<run>:<topic>/<partition>/<offset>}), so it never
         * merges with the gate's dead letter of the same raw record in the stewards' state, and a rerun of the same
         * run re-sends the same ids.
         */
        private DeadLetter withRunId(DeadLetter d) {
            return d.withId(STAGE + ":" + worker.shared.runId + ":" + d.original().id());
        }

        private DeadLetter.Origin origin() {
            ContractGate.RawRecord raw = current.raw();
            List<OriginalRecord.Header> headers = new ArrayList<>();
            for (Header h : raw.headers()) {
                headers.add(new OriginalRecord.Header(h.key(), h.value()));
            }
            OriginalRecord original = new OriginalRecord(raw.topic(), raw.partition(), raw.offset(), raw.timestamp(),
                    raw.key(), raw.value(), headers);
            Header c = raw.headers().lastHeader(SpineHeaders.CORRELATION_ID);
            return new DeadLetter.Origin(STAGE, original, contract.qualifiedName(), contract.version(),
                    c == null ? original.id() : SpineHeaders.string(c.value()), 0, worker.shared.now, Map.of("table", spec.path()));
        }

        void close() {
            files = out.close();
        }

        void abandon() {
            out.abandon();
        }

        BackfillManifest.Counts counts() {
            return new BackfillManifest.Counts(read, passed, rejected + refused, duplicates, refused);
        }
    }
}
