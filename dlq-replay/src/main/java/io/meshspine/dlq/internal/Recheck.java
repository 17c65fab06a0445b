package io.meshspine.dlq.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.render.WireDecoder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.dlq.ActionReport;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.Outcome;
import io.meshspine.dlq.RecordResult;
import io.meshspine.dlq.Selection;
import io.meshspine.dlq.Steward;
import io.meshspine.dlq.QueuedDeadLetter;
import org.apache.avro.generic.GenericRecord;

import java.time.Clock;
import java.util.ArrayList;
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

    /** The selection's current values against their contracts, audited; changes nothing. */
    public ActionReport recheck(Selection selected, DeadLetterFilter filter, Steward who, AuditTrail audit) {
        List<RecordResult> results = new ArrayList<>();
        for (QueuedDeadLetter q : selected.letters()) {
            Check c = check(q);
            results.add(new RecordResult(q.id(), c.outcome(), c.detail()));
        }
        ActionReport counted = ActionReport.of("recheck", false, null, selected.size(), results, null, selected.scope());
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.set("counts", counted.countsJson());
        details.set("scope", selected.scope().toJson());
        AuditEntry entry = audit.entry(who, "recheck", filter, selected.domains(), selected.size(), "ok", details);
        audit.write(entry);
        return new ActionReport("recheck", false, null, counted.selected(), counted.counts(), results, entry.id(), selected.scope());
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
