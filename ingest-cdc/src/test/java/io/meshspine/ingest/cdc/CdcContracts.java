package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineTestKit;

import java.util.Optional;

/** The sample CDC contracts in fresh domains (own topics, own registry groups), bound to a test's tables. */
final class CdcContracts {

    static final Contract CUSTOMERS = ContractCatalog.fromClasspath().latest("crm.customers").orElseThrow();
    static final Contract SERVICES = ContractCatalog.fromClasspath().latest("accounts.services").orElseThrow();

    private CdcContracts() {
    }

    /** crm.customers in a fresh domain, bound to {@code public.<table>}, its raw topic created. */
    static Contract customers(SpineTestKit kit, String table) {
        return bound(kit, ContractFixtures.inFreshDomain(CUSTOMERS, "cdcpg"),
                new SourceBinding.Cdc(CdcConnector.POSTGRES, "crm", Optional.of("public"), table));
    }

    /** accounts.services in a fresh domain, bound to {@code <database>.<table>}, its raw topic created. */
    static Contract services(SpineTestKit kit, String table) {
        return bound(kit, ContractFixtures.inFreshDomain(SERVICES, "cdcmaria"),
                new SourceBinding.Cdc(CdcConnector.MARIADB, "accounts", Optional.empty(), table));
    }

    /** The sample contract of {@code connector} in {@code domain}, bound to {@code table}: what a child JVM rebuilds. */
    static Contract inDomain(CdcConnector connector, String domain, String table) {
        Contract sample = connector == CdcConnector.POSTGRES ? CUSTOMERS : SERVICES;
        Contract moved = ContractFixtures.withDomainAndSchema(sample, domain, sample.avroSchema());
        return rebind(moved, connector == CdcConnector.POSTGRES
                ? new SourceBinding.Cdc(connector, "crm", Optional.of("public"), table)
                : new SourceBinding.Cdc(connector, "accounts", Optional.empty(), table));
    }

    private static Contract bound(SpineTestKit kit, Contract c, SourceBinding.Cdc binding) {
        Contract bound = rebind(c, binding);
        kit.createTopic(bound.rawTopic(), 1);
        return bound;
    }

    private static Contract rebind(Contract c, SourceBinding.Cdc binding) {
        return new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(),
                c.classification(), c.avroSchema(), c.keys(), binding, c.pii(), c.rules(), c.slos(), c.sink(), c.compatibility(),
                c.location());
    }
}
