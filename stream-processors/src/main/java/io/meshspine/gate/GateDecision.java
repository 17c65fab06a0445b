package io.meshspine.gate;

import io.meshspine.core.deadletter.DeadLetter;
import org.apache.kafka.common.header.Headers;

import java.util.List;

/** What the gate decided for one raw record. */
public sealed interface GateDecision {

    /** Into the product topic: the business key and the masked record, both in the registry wire format. */
    record Pass(String productTopic, String contract, byte[] key, byte[] value, Headers headers, List<String> warnings,
                byte[] dedupIdentity) implements GateDecision {
    }

    /** Into the DLQ. */
    record Reject(DeadLetter deadLetter) implements GateDecision {
    }

    /** Already passed within the dedup window: dropped and counted. */
    record Duplicate(String contract) implements GateDecision {
    }
}
