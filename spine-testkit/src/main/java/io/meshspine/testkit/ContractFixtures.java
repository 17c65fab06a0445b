package io.meshspine.testkit;

import io.meshspine.core.contract.Contract;
import org.apache.avro.Schema;

import java.util.List;

/**
 * Copies of real contracts moved into a domain of their own, so tests that share one broker and one registry never
 * share a topic or a registry artifact.
 */
public final class ContractFixtures {

    private ContractFixtures() {
    }

    /** Every contract moved to {@code <domain>_<unique suffix>}: new raw and product topics, a new registry group. */
    public static List<Contract> inFreshDomain(List<Contract> contracts, String prefix) {
        String suffix = SpineTestKit.uniqueName(prefix).replace('-', '_');
        return contracts.stream().map(c -> withDomainAndSchema(c, c.domain() + "_" + suffix, c.avroSchema())).toList();
    }

    public static Contract inFreshDomain(Contract contract, String prefix) {
        return inFreshDomain(List.of(contract), prefix).get(0);
    }

    public static Contract withDomainAndSchema(Contract c, String domain, Schema schema) {
        return new Contract(domain + "." + c.dataProduct(), c.version(), c.majorVersion(), domain, c.dataProduct(), c.purpose(),
                c.team(), c.classification(), schema, c.keys(), c.dedup(), c.subject(), c.source(), c.pii(), c.rules(), c.slos(), c.sink(),
                c.compatibility(), c.location());
    }
}
