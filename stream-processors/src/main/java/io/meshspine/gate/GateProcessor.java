package io.meshspine.gate;

import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** Applies the {@link ContractGate}'s decision to each raw record: forward to the product topic or the DLQ, or drop a duplicate. */
final class GateProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger log = LoggerFactory.getLogger(GateProcessor.class);

    private final Supplier<GateRuntime> runtime;
    private final Duration dedupWindow;
    private ProcessorContext<byte[], byte[]> context;
    private WindowStore<Bytes, Long> passed;
    private GateRuntime gate;

    /** What every task shares: the gate (registry ids resolved once) and the DLQ envelope's content id. */
    record GateRuntime(ContractGate gate, long deadLetterSchemaId, GateMetrics metrics, LongSupplier clock) {
    }

    GateProcessor(Supplier<GateRuntime> runtime, Duration dedupWindow) {
        this.runtime = runtime;
        this.dedupWindow = dedupWindow;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.passed = context.getStateStore(GateTopology.DEDUP_STORE);
        this.gate = runtime.get();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        long now = gate.clock().getAsLong();
        ContractGate.RawRecord raw = new ContractGate.RawRecord(meta.topic(), meta.partition(), meta.offset(),
            record.timestamp(), record.key(), record.value(), record.headers());
        GateDecision decision = gate.gate().decide(raw, Instant.ofEpochMilli(now), this::alreadyPassed);
        if (decision instanceof GateDecision.Pass pass) {
            gate.metrics().recordIn(pass.contract(), meta.topic());
            passed.put(Bytes.wrap(pass.dedupIdentity()), now, record.timestamp());
            context.forward(new Record<>(pass.key(), pass.value(), record.timestamp(), pass.headers()),
                    GateTopology.productSink(pass.productTopic()));
            gate.metrics().passed(pass.contract(), record.timestamp(), pass.warnings(), now);
        } else if (decision instanceof GateDecision.Reject reject) {
            DeadLetter d = reject.deadLetter();
            gate.metrics().recordIn(d.contract() == null ? "unknown" : d.contract(), meta.topic());
            byte[] envelope = WireFormat.encode(gate.deadLetterSchemaId(), DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(d));
            context.forward(new Record<>(record.key(), envelope, record.timestamp()), GateTopology.DLQ_SINK);
            gate.metrics().deadLettered(d, now);
            // Who and why, never what: the payload may hold PII, so only ids, names and rule ids are logged.
            log.atInfo().addKeyValue("dead_letter_id", d.id()).addKeyValue("correlation_id", d.correlationId())
                    .addKeyValue("contract", d.contract()).addKeyValue("topic", meta.topic())
                    .addKeyValue("failure_type", d.failureType()).addKeyValue("rules", String.join(",", d.ruleIds()))
                    .log("record dead-lettered");
        } else if (decision instanceof GateDecision.Duplicate duplicate) {
            gate.metrics().recordIn(duplicate.contract(), meta.topic());
            gate.metrics().deduplicated(duplicate.contract());
        }
    }

    private boolean alreadyPassed(byte[] identity, long timestamp) {
        try (WindowStoreIterator<Long> seen = passed.fetch(Bytes.wrap(identity), timestamp - dedupWindow.toMillis(),
            timestamp + dedupWindow.toMillis())) {
            return seen.hasNext();
        }
    }
}
