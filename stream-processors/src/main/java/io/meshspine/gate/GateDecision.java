package io.meshspine.gate;

import io.meshspine.core.deadletter.DeadLetter;
import org.apache.kafka.common.header.Headers;

import java.util.List;

/**
 * What the gate decided for one raw record. Handled exhaustively through {@link Handler}: a new kind of decision
 * does not compile until every place that applies decisions says what it does with it.
 */
public sealed interface GateDecision {

    /** One method per kind of decision. */
    interface Handler {
        void pass(Pass pass);

        void reject(Reject reject);

        void duplicate(Duplicate duplicate);
    }

    void applyTo(Handler handler);

    /** Into the product topic: the business key and the masked record, both in the registry wire format. */
    record Pass(String productTopic, String contract, byte[] key, byte[] value, Headers headers, List<String> warnings,
                byte[] dedupIdentity) implements GateDecision {
        @Override
        public void applyTo(Handler handler) {
            handler.pass(this);
        }
    }

    /**
     * Into the DLQ. {@code dedupIdentity}: the record's dedup identity when the gate got as far as computing it (a
     * record that broke a rule, or too large a product record), so a re-delivery of it is recognised; null for a record
     * the gate could not read far enough to know who it is (undecodable, wrong schema, no business key).
     */
    record Reject(DeadLetter deadLetter, byte[] dedupIdentity) implements GateDecision {
        public Reject(DeadLetter deadLetter) {
            this(deadLetter, null);
        }

        @Override
        public void applyTo(Handler handler) {
            handler.reject(this);
        }
    }

    /** Seen within the dedup window: dropped and counted, by why it was recognised. */
    record Duplicate(String contract, Reason reason) implements GateDecision {

        /** What the first copy of the record became. */
        public enum Reason {
            /** It passed: the product topic holds it. */
            PASSED,
            /** It was dead-lettered: the DLQ holds it (a re-delivered bad record, not a steward's replay). */
            DEAD_LETTERED;

            /** The {@code reason} label of {@code spine_gate_records_deduplicated_total}. */
            public String label() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }

        @Override
        public void applyTo(Handler handler) {
            handler.duplicate(this);
        }
    }
}
