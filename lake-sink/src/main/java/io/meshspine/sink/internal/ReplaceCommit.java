package io.meshspine.sink.internal;

import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.RemoveFile;
import io.delta.standalone.actions.SetTransaction;
import io.delta.standalone.exceptions.DeltaConcurrentModificationException;
import io.delta.standalone.expressions.Literal;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.deadletter.DeadLetter;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code --replace}: the live Silver table's content replaced, in one Delta commit, by the backfill's, while the sink
 * keeps writing. The backfill read Bronze up to raw offset R(p) of each raw partition p; the live table holds product
 * offsets up to its txn versions T(q). The two meet through the product records' {@link SpineHeaders#RAW_OFFSET}:
 * <ol>
 *   <li>wait until the live gate has committed past R(p) for every p, so every raw record of the snapshot that will
 *       ever reach the product topic is there;</li>
 *   <li>take the product topic's committed end E(q) of each partition; the product records up to E(q) whose raw
 *       offset is after R(p) (the tail: decided by the live gate, not in the snapshot) are added to the rebuilt rows
 *       (for upserts, applied on top in partition order);</li>
 *   <li>commit: every live file removed and the rebuilt and tail files added (dataChange=true both: an overwrite),
 *       with txn(q) = E(q) - 1, so the sink goes on after E(q): nothing the snapshot or the tail holds is applied twice,
 *       nothing after it is missed. Txn versions of other topics and clusters stay as they are.</li>
 * </ol>
 * All live files are marked read: a sink commit landing meanwhile conflicts, and the replace is planned again from
 * the new version (the sink's own next commit then finds its app id moved on and re-reads from there).
 */
final class ReplaceCommit {

    private static final Logger log = LoggerFactory.getLogger(ReplaceCommit.class);
    private static final int ATTEMPTS = 20;

    /** @param tombstones new tombstones the replace recorded (deletes of Bronze or the tail no tombstone held yet) */
    record Result(long version, long tailRows, List<ParquetFiles.WrittenFile> added, long tombstones) {
    }

    private final BackfillJob.Request request;
    private final TableSpec spec;
    private final DeltaTable live;
    private final SilverRows rows;
    private final BackfillJob.OpenPartitions out;
    private final Configuration conf;
    /** The backfill's own dead-letter writer: the product tail's refused records are sealed as the backfill's are. */
    private final DeadLetters deadLetters;
    /** An upsert table's rows with its tombstones honoured and written (null: an append table). */
    private final TombstonedRebuild rebuild;

    ReplaceCommit(BackfillJob.Request request, TableSpec spec, DeltaTable live, SilverRows rows, BackfillJob.OpenPartitions out,
                  Configuration conf, DeadLetters deadLetters, TombstonedRebuild rebuild) {
        this.deadLetters = deadLetters;
        this.rebuild = rebuild;
        this.request = request;
        this.spec = spec;
        this.live = live;
        this.rows = rows;
        this.out = out;
        this.conf = conf;
    }

    /** @param lineageRunId the backfill's lineage run, recorded in the commit info (null: lineage off) */
    Result commit(List<ParquetFiles.WrittenFile> rebuilt, UpsertState.Merged latest, Map<Integer, Long> snapshotEnds,
                  long bronzeVersion, String runId, String lineageRunId) {
        Map<String, Object> props = request.clientProperties();
        Map<String, Object> consumerProps = new HashMap<>(props);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        try (Admin admin = Admin.create(props);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            String cluster = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            waitForGate(admin, snapshotEnds);
            List<TopicPartition> parts = consumer.partitionsFor(spec.topic(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(spec.topic(), p.partition())).toList();
            consumer.assign(parts);
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                OptimisticTransaction txn = live.begin();
                long readVersion = txn.readVersion();
                // Every live file is read: a concurrent sink commit conflicts instead of being overwritten unseen. The
                // tombstones' app id is read before they are: a sink commit that recorded new ones meanwhile conflicts too
                // (also one that touched no file: a delete of a key the table did not hold).
                txn.markFilesAsRead(Literal.True);
                long tombstonesHeld = txn.txnVersion(Tombstones.APP_ID);
                List<AddFile> liveFiles = live.deltaLog().getSnapshotForVersionAsOf(readVersion).getAllFiles();
                Map<TopicPartition, Long> held = new HashMap<>();
                for (TopicPartition tp : parts) {
                    held.put(tp, txn.txnVersion(spec.appId(cluster, tp.partition())));
                }
                Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
                // The tail's changes per key in product order (few: what the gate passed since the snapshot), applied on top of
                // the rebuilt state as it streams by in key order, so the rebuilt state never has to be in memory whole;
                // then the table's tombstones (TombstonedRebuild).
                TreeMap<BusinessKey, List<SilverRows.KeyChange>> tailChanges = latest == null ? null : new TreeMap<>();
                List<DeadLetter> refused = new ArrayList<>();
                long tail = readTail(consumer, parts, ends, held, snapshotEnds, tailChanges, refused);
                List<ParquetFiles.WrittenFile> added = new ArrayList<>(rebuilt);
                TombstonedRebuild.Outcome settled = null;
                if (latest != null) {
                    // Commits the new tombstones now, before the main commit below (see TombstonedRebuild).
                    settled = rebuild.write(latest, tailChanges, out::write);
                }
                List<ParquetFiles.WrittenFile> fresh = out.close();
                added.addAll(fresh);
                long now = System.currentTimeMillis();
                List<Action> actions = new ArrayList<>();
                for (AddFile f : liveFiles) {
                    actions.add(new RemoveFile(f.getPath(), Optional.of(now), true, false, f.getPartitionValues(), Optional.of(f.getSize()), Map.of()));
                }
                for (ParquetFiles.WrittenFile f : added) {
                    actions.add(new AddFile(f.path(), f.partitionValues(), f.size(), now, true, f.stats(), Map.of()));
                }
                if (settled != null && settled.tombstoneVersion() >= 0 && settled.tombstoneVersion() != tombstonesHeld) {
                    actions.add(new SetTransaction(Tombstones.APP_ID, settled.tombstoneVersion(), Optional.of(now)));
                }
                for (TopicPartition tp : parts) {
                    long next = ends.get(tp);
                    if (next > 0 && next - 1 > held.get(tp)) {
                        actions.add(new SetTransaction(spec.appId(cluster, tp.partition()), next - 1, Optional.of(now)));
                    }
                }
                Map<String, String> params = new LinkedHashMap<>();
                params.put("mode", "\"Overwrite\"");
                params.put("backfill", "\"replace from Bronze version " + bronzeVersion + ", run " + runId + "; product tail up to "
                        + ends.values() + "\"");
                if (lineageRunId != null) {
                    params.put(CommitLineage.COMMIT_INFO_RUN_ID, "\"" + lineageRunId + "\"");
                }
                try {
                    deadLetters.sendAll(refused);
                    long version = txn.commit(actions, new Operation(Operation.Name.WRITE, params), DeltaTable.ENGINE_INFO).getVersion();
                    long tombstones = settled == null ? 0 : settled.tombstones();
                    log.info("backfill replaced table={} version={} removed={} added={} tailRows={} tombstones={} keptDeleted={} bronzeVersion={} run={}",
                            spec.name(), version, liveFiles.size(), added.size(), tail, tombstones, settled == null ? 0 : settled.covered(),
                            bronzeVersion, runId);
                    return new Result(version, tail, added, tombstones);
                } catch (DeltaConcurrentModificationException e) {
                    log.info("replace of {} conflicts with a concurrent commit ({}), planning again, attempt {}", spec.name(),
                            e.getClass().getSimpleName(), attempt);
                    new ParquetFiles(conf).deleteQuietly(spec.path(), fresh.stream().map(ParquetFiles.WrittenFile::path).toList());
                }
            }
            throw new IllegalStateException("--replace of " + spec.name() + ": " + ATTEMPTS + " attempts lost to concurrent commits; run it again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("--replace: the Kafka cluster did not answer: " + e.getMessage(), e);
        }
    }

    /**
     * The product records up to {@code ends} whose raw record is after the snapshot: into the open files (append), or
     * onto {@code state} (upsert). A record without {@link SpineHeaders#RAW_OFFSET} was written by a gate older than the
     * header, before any snapshot this gate could have passed: it is in the snapshot.
     */
    private long readTail(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts, Map<TopicPartition, Long> ends,
                          Map<TopicPartition, Long> held, Map<Integer, Long> snapshotEnds, TreeMap<BusinessKey, List<SilverRows.KeyChange>> state,
                          List<DeadLetter> refused) {
        consumer.seekToBeginning(parts);
        long tail = 0;
        while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= ends.get(tp)) {
                    continue;
                }
                Header h = r.headers().lastHeader(SpineHeaders.RAW_OFFSET);
                if (h == null) {
                    continue;
                }
                String v = SpineHeaders.string(h.value());
                int colon = v.indexOf(':');
                int rawPartition = Integer.parseInt(v.substring(0, colon));
                long rawOffset = Long.parseLong(v.substring(colon + 1));
                if (rawOffset <= snapshotEnds.getOrDefault(rawPartition, -1L)) {
                    continue;
                }
                SilverRows.Change change = rows.change(r);
                if (change instanceof SilverRows.Change.Upsert u) {
                    tail++;
                    if (state != null) {
                        keep(state, u.key(), u);
                    } else {
                        out.write(u.row());
                    }
                } else if (change instanceof SilverRows.Change.Delete d) {
                    tail++;
                    keep(state, d.key(), d);
                } else if (change instanceof SilverRows.Change.Refused f && r.offset() > held.get(tp)) {
                    // The live sink dead-lettered the ones it applied; the rest it will now skip: dead-lettered here.
                    refused.add(DeadLetters.sinkFailure(r, spec.contract(), spec.name(), f.reason()));
                }
            }
        }
        return tail;
    }

    /** A tail change, kept in product order for {@link #newest}. */
    private static void keep(TreeMap<BusinessKey, List<SilverRows.KeyChange>> state, BusinessKey key, SilverRows.KeyChange change) {
        state.computeIfAbsent(key, k -> new ArrayList<>(1)).add(change);
    }

    /** Until the live gate's committed raw offsets are past the snapshot's last offsets, or the wait is over. */
    private void waitForGate(Admin admin, Map<Integer, Long> snapshotEnds) throws InterruptedException, ExecutionException,
            java.util.concurrent.TimeoutException {
        long deadline = System.nanoTime() + request.replaceWait().toNanos();
        String rawTopic = spec.contract().rawTopic();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(request.gateApplicationId())
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            List<String> behind = new ArrayList<>();
            snapshotEnds.forEach((p, last) -> {
                OffsetAndMetadata o = committed.get(new TopicPartition(rawTopic, p));
                if (o == null || o.offset() <= last) {
                    behind.add(p + " (gate at " + (o == null ? "nothing" : o.offset()) + ", snapshot up to " + last + ")");
                }
            });
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("--replace: the gate (application id " + request.gateApplicationId() + ") has not passed"
                        + " the Bronze snapshot on " + rawTopic + " partitions " + behind + " within " + request.replaceWait()
                        + "; is it running? The backfill's chunks are kept: run the same command again");
            }
            Thread.sleep(500);
        }
    }
}
