package io.meshspine.dlq.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.dlq.Outcome;
import io.meshspine.dlq.QueuedDeadLetter;
import org.apache.avro.generic.GenericRecord;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** A dead letter's current value (repaired or original) measured against its contract as it stands now. */
public final class Recheck {

    /** What the current value is, measured against its contract as it stands now. */
    public record Check(Outcome outcome, String detail) {
    }

    private final DeadLetterContracts contracts;
    private final Clock clock;

    public Recheck(DeadLetterContracts contracts, Clock clock) {
        this.contracts = contracts;
        this.clock = clock;
    }

    public Check check(QueuedDeadLetter q) {
        Optional<Contract> contract = contracts.contractOf(q.letter());
        if (contract.isEmpty()) {
            return new Check(Outcome.NO_CONTRACT, "no contract named " + q.letter().contract());
        }
        Contract c = contract.get();
        byte[] value = q.currentValue();
        if (value == null) {
            return new Check(Outcome.UNDECODABLE, "the value is null");
        }
        WireDecoder decoder = contracts.decoder();
        WireDecoder.Decoded decoded = decoder.decode(value, c.avroSchema());
        if (decoded instanceof WireDecoder.Undecodable u) {
            boolean readable = decoder.decode(value) instanceof WireDecoder.Avro;
            return readable ? new Check(Outcome.FAILS, "schema: " + u.reason()) : new Check(Outcome.UNDECODABLE, u.reason());
        }
        GenericRecord record = (GenericRecord) ((WireDecoder.Avro) decoded).datum();
        List<String> broken = c.rules().evaluate(record, clock.instant()).stream().filter(RuleViolation::isError)
                .map(RuleViolation::ruleId).toList();
        return broken.isEmpty() ? new Check(Outcome.PASSES, null) : new Check(Outcome.FAILS, "rules: " + String.join(", ", broken));
    }
}
