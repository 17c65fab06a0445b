package io.meshspine.schemas;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.ContractFixtures;
import org.apache.avro.Schema;

import java.nio.file.Path;
import java.util.List;

/** The repo's contracts, and copies of them in a domain of their own so tests sharing a broker never collide. */
final class Contracts {

    static final ContractCatalog REPO = ContractCatalog.load(Path.of("").toAbsolutePath());

    private Contracts() {
    }

    static List<Contract> inFreshDomain(String prefix) {
        return ContractFixtures.inFreshDomain(REPO.contracts(), prefix);
    }

    static Contract withDomainAndSchema(Contract c, String domain, Schema schema) {
        return ContractFixtures.withDomainAndSchema(c, domain, schema);
    }
}
