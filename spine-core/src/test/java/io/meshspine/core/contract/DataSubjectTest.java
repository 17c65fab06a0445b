package io.meshspine.core.contract;

import static io.meshspine.core.contract.ContractFixture.contractWith;
import static io.meshspine.core.contract.ContractFixture.lineOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract's {@code subject: {field: ...}} section: what it declares, and each way it can be wrong. */
class DataSubjectTest {

    private static final String KEYS = "keys: [order_id]";

    @TempDir
    Path root;

    private static String withSubject(String subject) {
        return contractWith(KEYS, KEYS + "\n" + subject);
    }

    private Contract load(String contract) {
        ContractFixture.write(root, contract, ContractFixture.SCHEMA);
        return ContractCatalog.load(root).contracts().get(0);
    }

    private List<Problem> validate(String contract) {
        ContractFixture.write(root, contract, ContractFixture.SCHEMA);
        return ContractValidator.validate(root);
    }

    @Test
    void aContractWithoutSubjectNamesNone() {
        Contract c = load(ContractFixture.CONTRACT);
        assertThat(c.subject()).isEqualTo(DataSubject.NONE);
        assertThat(c.subject().declared()).isFalse();
    }

    @Test
    void aPiiStringFieldBecomesTheSubjectAndTheOldConstructorsKeepNone() {
        Contract c = load(withSubject("subject: {field: customer_email}"));
        assertThat(c.subject()).isEqualTo(DataSubject.of("customer_email"));
        assertThat(c.subject().field()).isEqualTo(Optional.of("customer_email"));
        Contract rebuilt = new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(),
                c.classification(), c.avroSchema(), c.keys(), c.dedup(), c.source(), c.pii(), c.rules(), c.slos(), c.sink(),
                c.compatibility(), c.location());
        assertThat(rebuilt.subject()).isEqualTo(DataSubject.NONE);
    }

    @Test
    void aNumberFieldDeclaredPiiMayBeTheSubject() {
        String contract = withSubject("subject: {field: quantity}")
                .replace("pii:\n", "pii:\n  - field: quantity\n    masking: redact\n");
        // redact on a non-nullable int is refused by the pii section; the subject section itself has nothing to say
        assertThat(validate(contract)).extracting(Problem::message)
                .noneMatch(m -> m.startsWith("subject"));
    }

    @Test
    void everyWayTheSectionCanBeWrongIsNamedOnItsLine() {
        String notPii = withSubject("subject: {field: order_id}");
        assertThat(validate(notPii)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(notPii, "subject:"));
            assertThat(p.field()).isEqualTo("order_id");
            assertThat(p.message()).isEqualTo("subject.field: the data subject must be one of the contract's pii fields");
        });
        String unknown = withSubject("subject:\n  field: customer_mail");
        assertThat(validate(unknown)).extracting(Problem::line, Problem::message).containsExactly(
                Tuple.tuple(lineOf(unknown, "field: customer_mail"), "subject.field: no such field in schema test.shop.orders.v1.Order"));
        String wrongType = withSubject("subject: {field: amount}")
                .replace("pii:\n", "pii:\n  - field: amount\n    masking: tokenize\n");
        assertThat(validate(wrongType)).extracting(Problem::message)
                .contains("subject.field: a data subject must be a string or a whole number, found decimal(12,2)");
        String missing = withSubject("subject:\n  name: customer_email");
        assertThat(validate(missing)).extracting(Problem::message).containsExactly(
                "unknown key 'subject.name'; expected one of field",
                "subject.field: missing (the field that names the data subject)");
        String notAMapping = withSubject("subject: customer_email");
        assertThat(validate(notAMapping)).extracting(Problem::message).containsExactly("subject: expected a mapping, found a string");
    }
}
