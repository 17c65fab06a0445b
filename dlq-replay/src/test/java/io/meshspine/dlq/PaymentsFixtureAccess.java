package io.meshspine.dlq;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.SpineTestKit;

import java.util.List;

/** {@link PaymentsFixture} for the CLI's tests in their own package. */
public final class PaymentsFixtureAccess implements AutoCloseable {

    private final PaymentsFixture fixture;

    private PaymentsFixtureAccess(PaymentsFixture fixture) {
        this.fixture = fixture;
    }

    public static PaymentsFixtureAccess create(SpineTestKit kit, String prefix) {
        return new PaymentsFixtureAccess(new PaymentsFixture(kit, prefix));
    }

    public DlqConfig config() {
        return fixture.config();
    }

    public ContractCatalog catalog() {
        return fixture.catalog;
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
