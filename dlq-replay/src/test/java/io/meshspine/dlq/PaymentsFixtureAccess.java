package io.meshspine.dlq;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.SpineTestKit;

import java.util.List;

/** {@link PaymentsFixture} for the CLI's tests in their own package. */
public final class PaymentsFixtureAccess implements AutoCloseable {

    private final PaymentsFixture fixture;
    private final ContractCatalog catalog;

    private PaymentsFixtureAccess(PaymentsFixture fixture, ContractCatalog catalog) {
        this.fixture = fixture;
        this.catalog = catalog;
    }

    public static PaymentsFixtureAccess create(SpineTestKit kit, String prefix) {
        PaymentsFixture f = new PaymentsFixture(kit, prefix);
        return new PaymentsFixtureAccess(f, f.catalog);
    }

    public DlqConfig config() {
        return fixture.config();
    }

    public ContractCatalog catalog() {
        return catalog;
    }

    /** This fixture with a catalog that knows the other's contract too (closing it closes nothing of the other). */
    public PaymentsFixtureAccess with(PaymentsFixtureAccess other) {
        return new PaymentsFixtureAccess(fixture, ContractCatalog.of(List.of(fixture.contract, other.fixture.contract)));
    }

    public String contractName() {
        return fixture.contract.qualifiedName();
    }

    public String rawTopic() {
        return fixture.contract.rawTopic();
    }

    public String domain() {
        return fixture.contract.domain();
    }

    public DeadLetterFilter mine(String... more) {
        return fixture.mine(more);
    }

    public List<DeadLetter> publishDeadLetters(int count, String currency) {
        return fixture.publishDeadLetters(count, currency);
    }

    @Override
    public void close() {
        fixture.close();
    }
}
