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

    /** Into the DLQ. */
    record Reject(DeadLetter deadLetter) implements GateDecision {
        @Override
        public void applyTo(Handler handler) {
            handler.reject(this);
        }
    }

    /** Already passed within the dedup window: dropped and counted. */
    record Duplicate(String contract) implements GateDecision {
        @Override
        public void applyTo(Handler handler) {
            handler.duplicate(this);
        }
    }
}
