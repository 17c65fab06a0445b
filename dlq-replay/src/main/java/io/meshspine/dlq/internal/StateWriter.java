package io.meshspine.dlq.internal;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.InvalidRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one writer of the queue's state. Every process that changes a dead letter (a replay job, a park from the web
 * page, a repair from the CLI) writes through the same transactional id, so taking the write lease fences whoever
 * held it: their open transaction is aborted and their next commit fails. After taking the lease the writer re-reads
 * the state (read_committed, so everything the fenced writer committed is seen) and only then decides what to write.
 * So two overlapping replay jobs never publish the same dead letter twice, and a park committed during a replay is
 * never overwritten by the replay's state write: the loser of the race recomputes from the winner's state.
 */
public final class StateWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StateWriter.class);
    /** The lease: the one transactional id every state writer of the cluster shares. */
    public static final String TRANSACTIONAL_ID = "spine-dlq-state-writer";
    private static final int MAX_TAKEOVERS = 40;

    /** What a unit of work writes, computed from the state as it stands once this writer holds the lease. */
    public record Batch<T>(List<ProducerRecord<byte[], byte[]>> writes, T result) {
    }

    /** The topic refused some of the writes for themselves (too large, invalid): nothing of the batch was committed. */
    public static final class WritesRefusedException extends RuntimeException {
        private final Map<Integer, String> refused;

        WritesRefusedException(Map<Integer, String> refused) {
            super("the broker refused " + refused.size() + " record(s) of the batch, e.g. " + refused.values().iterator().next());
            this.refused = Map.copyOf(refused);
        }

        /** The index of each refused write in the batch, and why. */
        public Map<Integer, String> refused() {
            return refused;
        }
    }

    private final KafkaClients clients;
    private final QueueReader reader;
    private final String clientId;
    private final Duration timeout;
    private KafkaProducer<byte[], byte[]> producer;
    /** Reads the last stable offsets of what was written (read_committed end offsets). */
    private org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> stable;

    public StateWriter(KafkaClients clients, QueueReader reader, String clientId, Duration timeout) {
        this.clients = clients;
        this.reader = reader;
        this.clientId = clientId;
        this.timeout = timeout;
    }

    /**
     * Computes the batch from the freshly read state and commits it in one transaction; when another writer took the
     * lease meanwhile, takes it back, re-reads and computes again. The work must read the state from the reader, not
     * from what it saw before.
     */
    public synchronized <T> T commit(Supplier<Batch<T>> work) {
        for (int takeover = 0; ; takeover++) {
            if (producer == null) {
                producer = clients.producer(clientId, TRANSACTIONAL_ID);
                // Fences the writer that held the lease and waits for its open transaction to end, committed or aborted.
                producer.initTransactions();
            }
            reader.refresh();
            Batch<T> batch = work.get();
            if (batch.writes().isEmpty()) {
                return batch.result();
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try {
                producer.beginTransaction();
                for (ProducerRecord<byte[], byte[]> r : batch.writes()) {
                    sent.add(producer.send(r));
                }
                producer.commitTransaction();
                awaitStable(sent);
                reader.refresh();
                return batch.result();
            } catch (KafkaException e) {
                if (leaseLost(e)) {
                    dropProducer();
                    if (takeover >= MAX_TAKEOVERS) {
                        throw new IllegalStateException("another state writer keeps taking the dlq's write lease; try again", e);
                    }
                    log.info("dlq state writer lost the lease to another writer; taking it back attempt={} problem=\"{}\"",
                            takeover + 1, e.getMessage());
                    pause(takeover);
                    continue;
                }
                Map<Integer, String> refused = refusedWrites(sent);
                abortQuietly();
                if (!refused.isEmpty()) {
                    throw new WritesRefusedException(refused);
                }
                throw e;
            }
        }
    }

    /**
     * Waits until what was just committed is readable read_committed: the commit returns once the coordinator has
     * decided, and the markers that make the records visible follow. Without this, the next selection (ours or a
     * reader's) could miss a state this writer has just committed, and a replay write over a repair made a moment ago.
     */
    private void awaitStable(List<Future<RecordMetadata>> sent) {
        Map<org.apache.kafka.common.TopicPartition, Long> last = new java.util.HashMap<>();
        for (Future<RecordMetadata> f : sent) {
            try {
                RecordMetadata m = f.get(0, TimeUnit.MILLISECONDS);
                last.merge(new org.apache.kafka.common.TopicPartition(m.topic(), m.partition()), m.offset(), Math::max);
            } catch (Exception e) {
                throw new IllegalStateException("a committed record has no metadata", e);
            }
        }
        if (stable == null) {
            stable = clients.reader(clientId + "-stable");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<org.apache.kafka.common.TopicPartition, Long> lso = stable.endOffsets(last.keySet(), timeout);
            if (last.entrySet().stream().allMatch(e -> lso.getOrDefault(e.getKey(), 0L) > e.getValue())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new org.apache.kafka.common.errors.TimeoutException("committed records not readable after " + timeout);
            }
            try {
                // the markers follow within milliseconds
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a commit to become readable", e);
            }
        }
    }

    /**
     * Another writer took the lease. With the broker's second transaction protocol (Kafka 4) the loser of an
     * overlapping commit may also hear INVALID_TXN_STATE: its transaction was aborted by the other's
     * initTransactions, exactly as when fenced, so it is taken the same way (drop the producer, re-read, recompute).
     * So is an EndTxn that meets the other's fence half way: Kafka 4.1 answers it UNKNOWN_SERVER_ERROR (its log says
     * "PREPARE_COMMIT while it already a pending state PREPARE_EPOCH_FENCE"), which the client wraps in a plain
     * {@link KafkaException}; the fence aborts that transaction, and the new producer's initTransactions waits for it.
     */
    private static boolean leaseLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException
                    || t instanceof org.apache.kafka.common.errors.InvalidTxnStateException) {
                return true;
            }
            if (t.getClass() == KafkaException.class && t.getMessage() != null && t.getMessage().startsWith("Unhandled error in EndTxnResponse")) {
                return true;
            }
        }
        return false;
    }

    private static Map<Integer, String> refusedWrites(List<Future<RecordMetadata>> sent) {
        Map<Integer, String> refused = new LinkedHashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            Optional<Throwable> failure = failure(sent.get(i));
            if (failure.isPresent() && refusal(failure.get())) {
                Throwable f = failure.get();
                refused.put(i, f.getClass().getSimpleName() + ": " + f.getMessage());
            }
        }
        return refused;
    }

    private static Optional<Throwable> failure(Future<RecordMetadata> f) {
        if (!f.isDone()) {
            return Optional.empty();
        }
        try {
            f.get(0, TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.ofNullable(e.getCause());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** A fault of the record itself, which sending it again cannot fix. */
    private static boolean refusal(Throwable t) {
        return t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException || t instanceof InvalidRecordException;
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            log.warn("dlq state writer abort failed, reopening problem={}", e.toString());
            dropProducer();
        }
    }

    private void dropProducer() {
        try {
            producer.close(Duration.ZERO);
        } catch (KafkaException e) {
            log.debug("closing a fenced producer", e);
        }
        producer = null;
    }

    /** Jittered back-off, so two writers taking the lease from each other do not do it in lock step. */
    private static void pause(int takeover) {
        long millis = ThreadLocalRandom.current().nextLong(20, 60 + 40L * Math.min(takeover, 10));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking the dlq's write lease", e);
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
        if (stable != null) {
            stable.close(Duration.ofSeconds(2));
            stable = null;
        }
    }
}
