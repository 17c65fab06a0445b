package io.meshspine.gate;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.privacy.DeadLetterSealer;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.gate.internal.DedupIdentities;
import io.meshspine.gate.internal.PreCommitStore;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Applies the {@link ContractGate}'s decision to each raw record: forward to the product topic or the DLQ, or drop a
 * duplicate (of a record that passed or was dead-lettered: both are remembered, see {@link DedupIdentities}). A transient fault (registry unreachable) is waited out here, inside the task and its transaction, so the
 * task and its state survive an outage; past the retry budget it leaves, and the stream thread is replaced.
 */
final class GateProcessor implements Processor<byte[], byte[], byte[], byte[]>, GateDecision.Handler {

    private static final Logger log = LoggerFactory.getLogger(GateProcessor.class);
    /** Slices of the dedup window; identities expire a slice at a time, so at most window + window/8 is kept. */
    private static final int DEDUP_SLICES = 8;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final GateRuntime gate;
    private final Duration dedupWindow;
    private final Duration retryBudget;
    private ProcessorContext<byte[], byte[]> context;
    private DedupIdentities identities;
    private final ContractGate.DedupLookup lookup = new ContractGate.DedupLookup() {
        @Override
        public boolean alreadyPassed(byte[] identity) {
            return identities.passed(identity, now);
        }

        @Override
        public boolean alreadyDeadLettered(byte[] identity) {
            return identities.deadLettered(identity, now);
        }
    };
    private Record<byte[], byte[]> current;
    private RecordMetadata currentMeta;
    private long now;

    /** What every task shares: the gate (registry ids resolved once), the DLQ envelope's content id, meters, the clock. */
    record GateRuntime(ContractGate gate, long deadLetterSchemaId, GateMetrics metrics, LongSupplier clock, GateLineage lineage,
                       DeadLetterSealer sealer) {
    }

    GateProcessor(GateRuntime gate, Duration dedupWindow, Duration retryBudget) {
        this.gate = gate;
        this.dedupWindow = dedupWindow;
        this.retryBudget = retryBudget;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        if (gate == null) {
            throw new IllegalStateException("a topology built for documentation cannot process records");
        }
        this.context = context;
        KeyValueStore<Bytes, byte[]> store = context.getStateStore(GateTopology.DEDUP_STORE);
        this.identities = new DedupIdentities(store, dedupWindow, DEDUP_SLICES);
        // Once per commit, before it: the data keys this batch's dead letters were sealed under must be in the key topic
        // before the transaction makes the dead letters durable (a failure fails the commit, which aborts them), and the
        // identities remembered during the batch go into the store, so its changelog is in the same transaction.
        PreCommitStore.of(store).beforeEachCommit(() -> {
            if (gate.sealer() != null) {
                gate.sealer().awaitKeysDurable();
            }
            identities.writeBatches();
        });
        long started = System.nanoTime();
        identities.restore(gate.clock().getAsLong());
        gate.metrics().identitiesRestored(context.taskId().toString(), identities.passedSize() + identities.deadLetteredSize(),
                Duration.ofNanos(System.nanoTime() - started));
        Duration every = Duration.ofMillis(Math.max(1_000, Math.min(60_000, dedupWindow.toMillis() / DEDUP_SLICES / 4)));
        context.schedule(every, PunctuationType.WALL_CLOCK_TIME, t -> identities.expire(gate.clock().getAsLong()));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        current = record;
        currentMeta = context.recordMetadata().orElseThrow();
        ContractGate.RawRecord raw = new ContractGate.RawRecord(currentMeta.topic(), currentMeta.partition(), currentMeta.offset(),
                record.timestamp(), record.key(), record.value(), record.headers());
        decide(raw).applyTo(this);
    }

    /** Decides, waiting out a transient fault with bounded back-off; a permanent fault or a bug leaves at once. */
    private GateDecision decide(ContractGate.RawRecord raw) {
        long deadline = System.nanoTime() + retryBudget.toNanos();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            now = gate.clock().getAsLong();
            try {
                return gate.gate().decide(raw, Instant.ofEpochMilli(now), lookup);
            } catch (RegistryUnavailableException e) {
                gate.metrics().transientFault("registry");
                if (System.nanoTime() + backoff.toNanos() > deadline) {
                    log.atWarn().addKeyValue("topic", raw.topic()).addKeyValue("partition", raw.partition()).addKeyValue("offset", raw.offset())
                            .addKeyValue("attempts", attempt).log("registry still unavailable after the retry budget of {}; the stream thread is replaced: {}",
                                    retryBudget, e.getMessage());
                    throw e;
                }
                if (attempt == 1 || attempt % 10 == 0) {
                    log.atWarn().addKeyValue("topic", raw.topic()).addKeyValue("partition", raw.partition()).addKeyValue("offset", raw.offset())
                            .addKeyValue("attempt", attempt).log("registry unavailable, the record waits and is retried (nothing is dead-lettered): {}",
                                    e.getMessage());
                }
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    @Override
    public void pass(GateDecision.Pass pass) {
        gate.metrics().recordIn(pass.contract(), currentMeta.topic());
        identities.addPassed(pass.dedupIdentity(), now);
        byte[] runId = gate.lineage().passed(pass.contract());
        if (runId != null) {
            pass.headers().remove(SpineHeaders.RUN_ID);
            pass.headers().add(SpineHeaders.RUN_ID, runId);
        }
        context.forward(new Record<>(pass.key(), pass.value(), current.timestamp(), pass.headers()),
                GateTopology.productSink(pass.productTopic()));
        gate.metrics().passed(pass.contract(), current.timestamp(), pass.warnings(), now);
    }

    @Override
    public void reject(GateDecision.Reject reject) {
        // The original is encrypted under its data subject's key before it leaves (issue 16); sealer null: in clear. A new
        // key is awaited before the commit (see init), not here: one wait per commit, not a round trip per new subject.
        DeadLetter d = gate.sealer() == null ? reject.deadLetter() : gate.sealer().sealBeforeKeysDurable(reject.deadLetter());
        gate.metrics().recordIn(d.contract() == null ? "unknown" : d.contract(), currentMeta.topic());
        byte[] envelope = WireFormat.encode(gate.deadLetterSchemaId(), DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d));
        // The DLQ record's key is the envelope's original key: encrypted too when the contract's key holds PII.
        context.forward(new Record<>(d.original().key(), envelope, current.timestamp()), GateTopology.DLQ_SINK);
        gate.metrics().deadLettered(d, now);
        if (reject.dedupIdentity() != null) {
            identities.addDeadLettered(reject.dedupIdentity(), now);
        }
        gate.lineage().deadLettered(d);
        // Who and why, never what: the payload may hold PII, so only ids, names and rule ids are logged.
        log.atInfo().addKeyValue("dead_letter_id", d.id()).addKeyValue("correlation_id", d.correlationId())
                .addKeyValue("contract", d.contract()).addKeyValue("topic", currentMeta.topic())
                .addKeyValue("failure_type", d.failureType()).addKeyValue("rules", String.join(",", d.ruleIds()))
                .log("record dead-lettered");
    }

    @Override
    public void duplicate(GateDecision.Duplicate duplicate) {
        gate.metrics().recordIn(duplicate.contract(), currentMeta.topic());
        gate.metrics().deduplicated(duplicate.contract(), duplicate.reason());
        gate.lineage().duplicate(duplicate.contract());
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException("interrupted while waiting for the registry", e);
        }
    }
}
