package io.meshspine.dlq.internal;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterState;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.Steward;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The records the workbench writes: a replayed raw record, a parked envelope, a state change, an audit entry. */
public final class WorkbenchRecords {

    private static final Set<String> REPLAY_HEADERS = Set.of(SpineHeaders.REPLAY_OF, SpineHeaders.REPLAY_COUNT);

    private final DeadLetterContracts contracts;
    /** Seals the parked copy of an opened dead letter again (the workbench holds originals in clear); null: parked as held. */
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;

    public WorkbenchRecords(DeadLetterContracts contracts) {
        this(contracts, null);
    }

    public WorkbenchRecords(DeadLetterContracts contracts, io.meshspine.core.privacy.DeadLetterSealer sealer) {
        this.contracts = contracts;
        this.sealer = sealer;
    }

    /** The original key and headers, the current value, {@code spine.replay-of} and the next replay count. */
    public ProducerRecord<byte[], byte[]> replay(QueuedDeadLetter q, String topic, int count) {
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

    public ProducerRecord<byte[], byte[]> parkedEnvelope(QueuedDeadLetter q, String reason, Steward who) {
        DeadLetter d = q.letter();
        Map<String, String> context = new HashMap<>(d.context());
        context.put("parked_reason", reason);
        context.put("parked_by", who.name());
        DeadLetter parked = d.withContext(context);
        if (sealer != null && d.context().containsKey(io.meshspine.core.privacy.DeadLetterSealer.OPENED_CONTEXT)) {
            // it arrived sealed and the workbench opened it: the copy is sealed again (one that came in clear stays so)
            parked = sealer.seal(parked);
        }
        return new ProducerRecord<>(Topics.DLQ_PARKED, null, null, parked.original().key(),
                WireFormat.encode(contracts.parkedEnvelopeContentId(), DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(parked)),
                new RecordHeaders());
    }

    public static ProducerRecord<byte[], byte[]> state(DeadLetterState state) {
        return new ProducerRecord<>(Topics.DLQ_STATE, StateCodec.key(state.id()), StateCodec.encode(state));
    }

    public static ProducerRecord<byte[], byte[]> audit(AuditEntry entry) {
        return new ProducerRecord<>(Topics.AUDIT, entry.id().getBytes(StandardCharsets.UTF_8), entry.toBytes());
    }
}
