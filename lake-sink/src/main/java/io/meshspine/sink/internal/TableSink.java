package io.meshspine.sink.internal;

import io.delta.standalone.CommitResult;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.SetTransaction;
import io.delta.standalone.exceptions.ConcurrentTransactionException;
import io.delta.standalone.exceptions.DeltaConcurrentModificationException;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.sink.CrashPoint;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One table's micro-batch: records buffered per source partition until the trigger fires, then written as Parquet
 * files and committed in one Delta commit that carries, per source partition, a txn action whose version is the last
 * offset written. Before committing, the txn versions are read inside the transaction: if another writer already
 * committed any of these offsets, the batch is abandoned (its files deleted) and the caller re-reads the partitions
 * from the log. Delta's conflict check makes a writer racing on the same app ids lose with
 * ConcurrentTransactionException, so two sinks can never both commit the same offsets. A table's batches commit one
 * at a time and in order, on the table's committer thread, while the next batch is read and written: each commit's
 * txn versions follow the one before, and a failed commit abandons the batch after it too (the caller re-reads both).
 */
public final class TableSink {

    private static final Logger log = LoggerFactory.getLogger(TableSink.class);
    private static final int MAX_ATTEMPTS = io.meshspine.sink.BatchTrigger.COMMIT_ATTEMPTS;

    /** What committing a batch did. */
    public sealed interface Outcome permits Outcome.Committed, Outcome.Superseded {
        /** The table holds the batch; these are the next offsets to read, for the advisory Kafka commit. */
        record Committed(long version, Map<TopicPartition, OffsetAndMetadata> offsets, long rows, long deadLettered) implements Outcome {
        }

        /** Another writer committed part of the batch first: re-read these partitions from the log's txn versions. */
        record Superseded(Set<TopicPartition> partitions) implements Outcome {
        }
    }

    private final TableSpec spec;
    private final Runnable beforeCommit;
    private final DeltaTable table;
    private final ParquetFiles files;
    private final DeadLetters deadLetters;
    private final SinkMetrics.PerTable meters;
    private final BronzeRows bronze;
    private final SilverRows silver;
    private final List<WriterLane> lanes;
    private final UpsertPlanner planner;
    /** The upsert table's deleted keys (null for append tables). */
    private final Tombstones tombstones;
    private final CommitLineage lineage;
    /**
     * Commits sealed batches, one at a time and in order, while the consumer thread fills the next batch and the
     * lanes write it: the Delta commit (and the wait for the lanes to close their files) no longer stalls reading.
     */
    private final ExecutorService committer;

    /** The Kafka cluster the offsets belong to: set by the loop before the first record, read by the committer. */
    private volatile String kafkaClusterId;
    private volatile TopicOffsets topicOffsets;
    /** Source partitions parked at an offset gap (consumer thread only). */
    private final Map<TopicPartition, OffsetGap> gaps = new HashMap<>();

    // Consumer thread only.
    private MicroBatch batch = new MicroBatch();
    private MicroBatch sealed;
    private CompletableFuture<Outcome> committing;

    /** An upsert table's writer: its deletes leave tombstones. */
    TableSink(TableSpec spec, DeltaTable table, ParquetFiles files, DeadLetters deadLetters, SinkMetrics.PerTable meters,
              SilverRows silver, CommitLineage lineage, Tombstones tombstones) {
        this(spec, table, files, deadLetters, meters, null, silver, List.of(), lineage, () -> { }, java.util.Objects.requireNonNull(tombstones));
    }

    /**
     * @param beforeCommit runs before each Delta commit: Bronze waits there until the data keys its rows were encrypted
     *                     under are durable in the key topic (a commit must never hold ciphertext whose key could be lost)
     */
    TableSink(TableSpec spec, DeltaTable table, ParquetFiles files, DeadLetters deadLetters, SinkMetrics.PerTable meters,
              BronzeRows bronze, SilverRows silver, List<WriterLane> lanes, CommitLineage lineage, Runnable beforeCommit) {
        this(spec, table, files, deadLetters, meters, bronze, silver, lanes, lineage, beforeCommit, null);
    }

    private TableSink(TableSpec spec, DeltaTable table, ParquetFiles files, DeadLetters deadLetters, SinkMetrics.PerTable meters,
                      BronzeRows bronze, SilverRows silver, List<WriterLane> lanes, CommitLineage lineage, Runnable beforeCommit,
                      Tombstones tombstones) {
        this.beforeCommit = beforeCommit;
        this.tombstones = tombstones;
        this.spec = spec;
        this.table = table;
        this.files = files;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.bronze = bronze;
        this.silver = silver;
        this.lanes = List.copyOf(lanes);
        this.planner = new UpsertPlanner(spec, files);
        this.lineage = java.util.Objects.requireNonNull(lineage, "lineage");
        if (spec.kind() == TableKind.SILVER_UPSERT && tombstones == null) {
            throw new IllegalArgumentException("an upsert table needs its tombstones");
        }
        if (spec.kind() != TableKind.SILVER_UPSERT && this.lanes.isEmpty()) {
            throw new IllegalArgumentException("an append table needs at least one writer lane");
        }
        this.committer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spine-lake-committer-" + spec.name());
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds the sink to the cluster it reads; its txn app ids carry the cluster's id. */
    void bindCluster(String clusterId, TopicOffsets offsets) {
        this.kafkaClusterId = java.util.Objects.requireNonNull(clusterId, "clusterId");
        this.topicOffsets = offsets;
    }

    /**
     * Whether the table can continue the partition from the offset its log holds: the topic is the one the table was fed
     * from (same topic id), and the next offset is still in the topic. Null when it can.
     */
    OffsetGap continuity(TopicPartition tp, long tableOffset) {
        TopicOffsets.Range range = topicOffsets.range(tp);
        String currentId = topicOffsets.topicId(tp.topic());
        Optional<String> recorded = table.recordedTopicId(kafkaClusterId);
        if (recorded.isPresent() && !recorded.get().equals(currentId) && tableOffset >= 0) {
            return new OffsetGap(OffsetGap.Condition.TOPIC_RECREATED, spec.name(), tp, tableOffset, range.earliest(), range.latest());
        }
        table.bindSource(kafkaClusterId, recorded.orElse(currentId));
        return OffsetGap.between(spec.name(), tp, tableOffset, range);
    }

    /** The partition is parked at a gap: loud, counted, and shown by the gauge until an operator resets it. */
    void parked(OffsetGap gap) {
        if (gaps.put(gap.partition(), gap) == null) {
            meters.gapDetected(gap.condition().label());
            log.error("offset gap condition={} table={} topic={} partition={} tableOffset={} topicEarliest={} topicLatest={}: {}",
                    gap.condition().label(), spec.name(), gap.partition().topic(), gap.partition().partition(), gap.tableOffset(),
                    gap.earliest(), gap.latest(), gap.describe());
        }
        meters.offsetGaps.set(gaps.size());
    }

    void unparked(TopicPartition tp) {
        OffsetGap gap = gaps.remove(tp);
        if (gap != null) {
            log.info("offset gap resolved table={} topic={} partition={} condition={}", spec.name(), tp.topic(), tp.partition(),
                    gap.condition().label());
        }
        meters.offsetGaps.set(gaps.size());
    }

    /** The partitions parked at an offset gap, and why. */
    Map<TopicPartition, OffsetGap> gaps() {
        return Map.copyOf(gaps);
    }

    String kafkaClusterId() {
        return kafkaClusterId;
    }

    public TableSpec spec() {
        return spec;
    }

    public DeltaTable table() {
        return table;
    }

    private boolean upsert() {
        return spec.kind() == TableKind.SILVER_UPSERT;
    }

    /**
     * Adds a run of one source partition's records to the batch, from {@code from} on, up to where the batch is full.
     *
     * @return how many records were added (at least one)
     * @throws TransientSinkException the registry or the store failed: the batch is abandoned, re-read its partitions
     */
    int add(List<ConsumerRecord<byte[], byte[]>> run, int from) {
        try {
            MicroBatch b = batch;
            if (b.records == 0) {
                b.firstNanos = System.nanoTime();
                b.firstMillis = System.currentTimeMillis();
            }
            ConsumerRecord<byte[], byte[]> first = run.get(from);
            TopicPartition tp = new TopicPartition(first.topic(), first.partition());
            b.firstOffsets.putIfAbsent(tp, first.offset());
            int to = from;
            while (to < run.size() && (to == from || !isFull())) {
                ConsumerRecord<byte[], byte[]> r = run.get(to++);
                b.newest = Math.max(b.newest, r.timestamp());
                b.records++;
                b.bytes += Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
                if (upsert()) {
                    addChange(b, r);
                }
            }
            b.lastOffsets.put(tp, run.get(to - 1).offset());
            if (!upsert()) {
                // A source partition always goes to the same lane: its records stay in offset order.
                lanes.get(Math.floorMod(tp.partition(), lanes.size())).submit(run.subList(from, to));
            }
            return to - from;
        } catch (RegistryUnavailableException | UncheckedIOException e) {
            abandon();
            meters.failed("transient");
            throw new TransientSinkException("batch of " + spec.name() + " abandoned: " + e.getMessage(), e);
        }
    }

    private void addChange(MicroBatch b, ConsumerRecord<byte[], byte[]> r) {
        SilverRows.Change change = silver.change(r);
        if (change instanceof SilverRows.Change.Refused refused) {
            b.dead.add(DeadLetters.sinkFailure(r, spec.contract(), spec.name(), refused.reason()));
        } else if (change instanceof SilverRows.Change.Upsert u) {
            keep(b, u.key(), u);
        } else if (change instanceof SilverRows.Change.Delete d) {
            keep(b, d.key(), d);
        }
    }

    /** The key's newest change so far, by {@link NewestChange} (arrival is offset order within a partition). */
    private static void keep(MicroBatch b, BusinessKey key, SilverRows.KeyChange change) {
        if (!NewestChange.replaces(b.changes.get(key), change)) {
            b.staleInBatch++;
            return;
        }
        b.changes.remove(key);
        b.changes.put(key, change);
    }

    boolean isDue(long nowNanos) {
        return spec.trigger().isDue(batch.records, batch.bytes, Duration.ofNanos(nowNanos - batch.firstNanos));
    }

    /** The record or byte limit is reached: seal before adding more, so batches never exceed it. */
    boolean isFull() {
        return batch.records >= spec.trigger().maxRecords() || batch.bytes >= spec.trigger().maxBytes();
    }

    void lag(long behind) {
        meters.lag.set(behind);
    }

    /** Records of the partition read but not yet committed (offsets spanned: transaction markers included). */
    long buffered(TopicPartition tp) {
        return batch.buffered(tp) + (sealed == null ? 0 : sealed.buffered(tp));
    }

    boolean holdsAny(Collection<TopicPartition> partitions) {
        return partitions.stream().anyMatch(tp -> batch.firstOffsets.containsKey(tp) || sealed != null && sealed.firstOffsets.containsKey(tp));
    }

    /**
     * Drops the batch and its files: its records are read again from the log's txn versions. A batch being committed
     * is waited for first, so the log read afterwards is final; its outcome no longer matters.
     */
    void abandon() {
        if (committing != null) {
            try {
                awaitCommit();
            } catch (TransientSinkException e) {
                log.debug("batch in flight failed while abandoning the next table={} error={}", spec.name(), e.getMessage());
            }
        }
        lanes.forEach(WriterLane::abandon);
        batch = new MicroBatch();
    }

    /** Stops the writer and committer threads (the sink is closing). */
    void close() {
        lanes.forEach(WriterLane::close);
        committer.shutdownNow();
    }

    /** A batch is being committed. */
    boolean committing() {
        return committing != null;
    }

    /**
     * Hands the batch to the committer and starts a new one. Only one batch is committed at a time: call
     * {@link #awaitCommit()} first.
     *
     * @return false when the batch was empty (nothing to commit)
     */
    boolean seal() {
        if (committing != null) {
            throw new IllegalStateException("a batch of " + spec.name() + " is still being committed");
        }
        if (batch.records == 0) {
            return false;
        }
        MicroBatch b = batch;
        b.sealedNanos = System.nanoTime();
        batch = new MicroBatch();
        // The lanes close their files in queue order: after this batch's records, before the next batch's.
        List<CompletableFuture<WriterLane.Written>> laneFiles = lanes.stream().map(WriterLane::finish).toList();
        sealed = b;
        committing = CompletableFuture.supplyAsync(() -> write(b, laneFiles), committer);
        return true;
    }

    /**
     * The outcome of the batch being committed, once it is known (null while it is not, or when none is).
     *
     * @throws TransientSinkException the batch was abandoned for a passing reason; re-read its partitions and retry later
     */
    Outcome commitOutcome() {
        return committing != null && committing.isDone() ? awaitCommit() : null;
    }

    /**
     * Waits for the batch being committed (null when none is).
     *
     * @throws TransientSinkException the batch was abandoned for a passing reason; re-read its partitions and retry later
     */
    Outcome awaitCommit() {
        if (committing == null) {
            return null;
        }
        try {
            return committing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientSinkException("interrupted while waiting for a commit of " + spec.name(), e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("commit of " + spec.name() + " failed", e.getCause());
        } finally {
            if (committing.isDone()) {
                committing = null;
                sealed = null;
            }
        }
    }

    /** On the committer thread: waits for the lanes' files of the batch and commits them. */
    private Outcome write(MicroBatch b, List<CompletableFuture<WriterLane.Written>> laneFiles) {
        List<String> written = new ArrayList<>();
        boolean committed = false;
        LineageRun run = lineage.begin(b);
        try {
            List<ParquetFiles.WrittenFile> appended = new ArrayList<>();
            List<DeadLetter> dead = new ArrayList<>(b.dead);
            RuntimeException laneFailure = null;
            for (CompletableFuture<WriterLane.Written> lane : laneFiles) {
                try {
                    WriterLane.Written w = WriterLane.await(lane, spec.name());
                    w.files().forEach(f -> written.add(f.path()));
                    appended.addAll(w.files());
                    dead.addAll(w.refused());
                } catch (RuntimeException e) {
                    laneFailure = e;
                }
            }
            if (laneFailure != null) {
                throw laneFailure;
            }
            Outcome outcome = commit(b, dead, appended, written, b.sealedNanos, run);
            committed = outcome instanceof Outcome.Committed;
            if (outcome instanceof Outcome.Superseded) {
                lineage.superseded(run, b);
            }
            return outcome;
        } catch (RegistryUnavailableException | KafkaException | UncheckedIOException e) {
            meters.failed("transient");
            lineage.failed(run, b, "abandoned, its records are read again: " + e.getClass().getSimpleName());
            throw new TransientSinkException("batch of " + spec.name() + " abandoned: " + e.getMessage(), e);
        } catch (UnknownCommitOutcome.StillUnknownException e) {
            // Some of the files may be in a version that landed, or the log could not be read: they stay for vacuum.
            committed = true;
            meters.failed("outcome-unknown");
            lineage.failed(run, b, "commit outcome unknown, its records are read again");
            throw new TransientSinkException("batch of " + spec.name() + " abandoned: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            lineage.failed(run, b, e.getClass().getSimpleName() + ": " + e.getMessage());
            throw e;
        } finally {
            if (!committed && !written.isEmpty()) {
                files.deleteQuietly(spec.path(), written);
            }
        }
    }

    private Outcome commit(MicroBatch b, List<DeadLetter> dead, List<ParquetFiles.WrittenFile> appended, List<String> written, long start,
                           LineageRun run) {
        String runId = "\"" + run.runId() + "\"";
        boolean deadLettered = false;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Duration open = Duration.ofNanos(System.nanoTime() - b.firstNanos);
            if (open.compareTo(spec.trigger().maxOpen()) > 0) {
                // Vacuum's retention floor assumes no batch stays open longer: its oldest files may be gone.
                meters.failed("open-too-long");
                throw new TransientSinkException("batch of " + spec.name() + " open for " + open + ", longer than "
                        + spec.trigger().maxOpen() + ": abandoned, its records are read again", null);
            }
            OptimisticTransaction txn = table.begin();
            for (Map.Entry<TopicPartition, Long> e : b.firstOffsets.entrySet()) {
                long committedOffset = txn.txnVersion(spec.appId(kafkaClusterId, e.getKey().partition()));
                if (committedOffset >= 0 && e.getValue() > committedOffset + 1) {
                    // Offsets skipped between the log's offset and the batch: transaction markers and aborted records
                    // are fine (still in the topic, not for us); records the topic no longer holds are a gap.
                    OffsetGap gap = OffsetGap.between(spec.name(), e.getKey(), committedOffset, topicOffsets.range(e.getKey()));
                    if (gap != null) {
                        meters.failed("offset-gap");
                        throw new OffsetGapException(gap);
                    }
                }
                if (committedOffset >= e.getValue()) {
                    meters.failed("superseded");
                    log.info("batch superseded table={} partition={} committedOffset={} batchStart={}", spec.name(),
                            e.getKey().partition(), committedOffset, e.getValue());
                    return new Outcome.Superseded(Set.copyOf(b.firstOffsets.keySet()));
                }
            }
            List<Action> actions = new ArrayList<>();
            List<ParquetFiles.WrittenFile> adds;
            Operation operation;
            long stale = 0;
            int deletedKeys = 0;
            if (upsert()) {
                UpsertPlanner.Applied applied = planner.apply(txn, b.changes, tombstones, actions);
                adds = applied.files();
                adds.forEach(f -> written.add(f.path()));
                stale = b.staleInBatch + applied.stale();
                deletedKeys = applied.tombstones();
                if (deletedKeys > 0) {
                    Crash.at(CrashPoint.AFTER_TOMBSTONES_BEFORE_COMMIT);
                }
                operation = new Operation(Operation.Name.MERGE, Map.of("predicate", "\"business key " + String.join(",", spec.keyColumns()) + "\"",
                        CommitLineage.COMMIT_INFO_RUN_ID, runId));
            } else {
                adds = appended;
                operation = new Operation(Operation.Name.WRITE, Map.of("mode", "\"Append\"", CommitLineage.COMMIT_INFO_RUN_ID, runId));
            }
            long now = System.currentTimeMillis();
            long fileBytes = 0;
            long rowCount = 0;
            for (ParquetFiles.WrittenFile f : adds) {
                actions.add(new AddFile(f.path(), f.partitionValues(), f.size(), now, true, f.stats(), Map.of()));
                fileBytes += f.size();
                rowCount += f.rows();
            }
            for (Map.Entry<TopicPartition, Long> e : b.lastOffsets.entrySet()) {
                actions.add(new SetTransaction(spec.appId(kafkaClusterId, e.getKey().partition()), e.getValue(), Optional.of(now)));
            }
            Crash.at(CrashPoint.AFTER_PARQUET_BEFORE_COMMIT);
            beforeCommit.run();
            if (!deadLettered) {
                deadLetters.sendAll(dead);
                deadLettered = true;
            }
            try {
                CommitResult result;
                try {
                    result = txn.commit(actions, operation, DeltaTable.ENGINE_INFO);
                } catch (DeltaConcurrentModificationException e) {
                    throw e;
                } catch (Exception e) {
                    // An I/O error or timeout: the version may have landed. Only the log can say whether these files
                    // are now part of the table; until it has, none of them may be deleted.
                    result = UnknownCommitOutcome.resolve(table, spec.name(), meters, txn.readVersion(), adds, e);
                }
                Crash.committed();
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                meters.committed(upsert() ? b.changes.size() : rowCount, adds.size(), fileBytes, stale, b.newest, took);
                meters.tombstones.increment(deletedKeys);
                meters.deadLettered.increment(dead.size());
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                b.lastOffsets.forEach((tp, o) -> next.put(tp, new OffsetAndMetadata(o + 1)));
                log.info("committed table={} version={} rows={} files={} bytes={} deadLettered={} staleChanges={} tombstones={} ms={}", spec.name(),
                        result.getVersion(), rowCount, adds.size(), fileBytes, dead.size(), stale, deletedKeys, took.toMillis());
                lineage.committed(run, b, result.getVersion(), upsert() ? b.changes.size() : rowCount, rowCount, adds.size(), fileBytes, dead.size());
                return new Outcome.Committed(result.getVersion(), next, rowCount, dead.size());
            } catch (ConcurrentTransactionException e) {
                meters.failed("concurrent-transaction");
                log.info("commit lost a race on the txn app ids, re-reading table={} attempt={}", spec.name(), attempt);
            } catch (DeltaConcurrentModificationException e) {
                meters.failed("concurrent-modification");
                log.info("commit conflicts with a concurrent commit, retrying table={} attempt={} conflict={}", spec.name(), attempt,
                        e.getClass().getSimpleName());
            }
            if (upsert()) {
                // The rewrite was planned against a snapshot that is gone: plan again from the new one.
                List<String> stalePlan = adds.stream().map(ParquetFiles.WrittenFile::path).toList();
                files.deleteQuietly(spec.path(), stalePlan);
                written.removeAll(stalePlan);
            }
        }
        throw new TransientSinkException("table " + spec.name() + ": " + MAX_ATTEMPTS + " commit attempts lost to concurrent writers", null);
    }
}
