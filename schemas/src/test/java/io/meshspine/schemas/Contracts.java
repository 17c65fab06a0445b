package io.meshspine.schemas;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;

import java.nio.file.Path;
import java.util.List;

/** The repo's contracts, and copies of them in a domain of their own so tests sharing a broker never collide. */
final class Contracts {

    static final ContractCatalog REPO = ContractCatalog.load(Path.of("").toAbsolutePath());

    private Contracts() {
    }

    /** Every repo contract, moved to a fresh domain named after {@code prefix} (topics, registry group). */
    static List<Contract> inFreshDomain(String prefix) {
        String suffix = SpineTestKit.uniqueName(prefix).replace('-', '_');
        return REPO.contracts().stream().map(c -> withDomainAndSchema(c, c.domain() + "_" + suffix, c.avroSchema())).toList();
    }

    static Contract withDomainAndSchema(Contract c, String domain, Schema schema) {
        return new Contract(domain + "." + c.dataProduct(), c.version(), c.majorVersion(), domain, c.dataProduct(), c.purpose(),
                c.team(), c.classification(), schema, c.keys(), c.source(), c.pii(), c.rules(), c.slos(), c.sink(),
                c.compatibility(), c.location());
    }
}
