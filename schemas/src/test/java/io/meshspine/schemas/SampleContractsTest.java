package io.meshspine.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Classification;
import io.meshspine.core.contract.CompatibilityCheck;
import io.meshspine.core.contract.CompatibilityResult;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.ContractValidator;
import io.meshspine.core.contract.EventIdentity;
import io.meshspine.core.contract.GitHistory;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.contract.SilverMode;
import io.meshspine.core.contract.SourceBinding;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** The contracts in this module: they are valid, loadable both ways, and mean what DESIGN.md says. */
class SampleContractsTest {

    /** Surefire runs in the module's directory, which is the contracts tree. */
    static final Path TREE = Path.of("").toAbsolutePath();
    static final ContractCatalog CATALOG = ContractCatalog.load(TREE);
    static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");

    static Contract contract(String id) {
        return CATALOG.find(id, 1).orElseThrow();
    }

    static ByteBuffer money(String value, int scale) {
        return new Conversions.DecimalConversion().toBytes(new BigDecimal(value).setScale(scale), null, LogicalTypes.decimal(18, scale));
    }

    static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
    }

    static GenericRecord record(Contract c, Object... namesAndValues) {
        GenericData.Record r = new GenericData.Record(c.avroSchema());
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Object v = namesAndValues[i + 1];
            r.put((String) namesAndValues[i], v instanceof String s ? new Utf8(s) : v);
        }
        return r;
    }

    static List<String> violated(Contract c, GenericRecord r) {
        return c.rules().evaluate(r, NOW).stream().map(RuleViolation::ruleId).toList();
    }

    @Test
    void theTreeValidatesClean() {
        assertThat(ContractValidator.validate(TREE)).isEmpty();
    }

    @Test
    void theFourSampleProductsLoadFromTheDirectoryAndFromTheClasspath() {
        assertThat(CATALOG.contracts()).extracting(Contract::productTopic, Contract::rawTopic, Contract::lane).containsExactly(
                tuple("accounts.services.v1", "raw.accounts.services", Lane.CDC),
                tuple("crm.customers.v1", "raw.crm.customers", Lane.CDC),
                tuple("lending.loan_applications.v1", "raw.lending.loan_applications", Lane.FILE),
                tuple("payments.transactions.v1", "raw.payments.transactions", Lane.EVENT));
        assertThat(ContractValidator.validateClasspath()).isEmpty();
        assertThat(ContractCatalog.fromClasspath().contracts()).extracting(Contract::productTopic)
                .containsExactlyElementsOf(CATALOG.contracts().stream().map(Contract::productTopic).toList());
    }

    @Test
    void paymentEventsAreIdentifiedByTheirTransactionId() {
        Contract payments = contract("payments.transactions");
        assertThat(payments.lane()).isEqualTo(Lane.EVENT);
        assertThat(payments.dedup()).isEqualTo(new EventIdentity(List.of("transaction_id")));
        assertThat(payments.dedup().declared()).isTrue();
    }

    @Test
    void bindingsSinksAndGovernanceFollowTheDesign() {
        Contract payments = contract("payments.transactions");
        assertThat(payments.classification()).isEqualTo(Classification.CONFIDENTIAL);
        assertThat(payments.pii()).containsExactlyInAnyOrder(new PiiField("customer_id", Masking.HASH), new PiiField("account_number", Masking.HASH));
        assertThat(payments.sink().retention()).isEqualTo(Duration.ofDays(7 * 365));
        assertThat(payments.sink().silverMode()).isEqualTo(SilverMode.APPEND);
        assertThat(payments.sink().partitionColumn()).contains("booking_date");

        Contract customers = contract("crm.customers");
        assertThat(customers.source()).isEqualTo(new SourceBinding.Cdc(CdcConnector.POSTGRES, "crm", java.util.Optional.of("public"), "customers"));
        assertThat(customers.sink().silverMode()).isEqualTo(SilverMode.UPSERT);
        assertThat(customers.pii()).extracting(PiiField::field).contains("email", "phone");

        Contract services = contract("accounts.services");
        assertThat(services.source()).isEqualTo(new SourceBinding.Cdc(CdcConnector.MARIADB, "accounts", java.util.Optional.empty(), "services"));

        Contract loans = contract("lending.loan_applications");
        assertThat(loans.source()).isInstanceOfSatisfying(SourceBinding.File.class, f -> {
            assertThat(f.landingGlob()).isEqualTo("lending/loan_applications/*.csv");
            assertThat(f.csv().delimiter()).isEqualTo(',');
            assertThat(f.csv().header()).isTrue();
        });
        assertThat(CATALOG.contracts()).allSatisfy(c -> assertThat(c.compatibility().name()).isEqualTo("FULL_TRANSITIVE"));
    }

    @Test
    void paymentsRulesAcceptAGoodTransactionAndNameEachFault() {
        Contract c = contract("payments.transactions");
        GenericRecord good = record(c, "transaction_id", "7d3c8f0e-0b7a-4b43-9b1e-3f0a3c1b2d4e", "account_number", "062000-12345678",
                "customer_id", "C0001", "amount", money("42.50", 2), "currency", "AUD", "direction", "DEBIT",
                "channel", "CARD", "merchant_category_code", "5411", "fee_amount", money("0.50", 2),
                "occurred_at", micros(NOW.minusSeconds(30)), "booking_date", (int) LocalDate.of(2025, 3, 1).toEpochDay());
        assertThat(violated(c, good)).isEmpty();

        GenericRecord bad = record(c, "transaction_id", "7d3c8f0e-0b7a-4b43-9b1e-3f0a3c1b2d4e", "account_number", "062000-12345678",
                "customer_id", "C0001", "amount", money("1000000.00", 2), "currency", "AUS", "direction", "DEBIT",
                "channel", "TELEX", "merchant_category_code", "54", "fee_amount", money("1000001.00", 2),
                "occurred_at", micros(NOW.plus(Duration.ofMinutes(6))), "booking_date", 0);
        assertThat(c.rules().evaluate(bad, NOW)).extracting(RuleViolation::ruleId, RuleViolation::severity).containsExactly(
                tuple("amount-in-range", Severity.ERROR),
                tuple("currency-iso-4217", Severity.ERROR),
                tuple("occurred-at-not-in-future", Severity.ERROR),
                tuple("fee-not-above-amount", Severity.ERROR),
                tuple("channel-known", Severity.WARN),
                tuple("merchant-category-code-format", Severity.WARN));
    }

    @Test
    void customerRulesCheckEmailStatePostcodeAndHistory() {
        Contract c = contract("crm.customers");
        GenericRecord r = record(c, "customer_id", "C0001", "first_name", "Jane", "last_name", "Citizen",
                "email", "jane@example.com", "state", "NSW", "postcode", "2000", "phone", "+61412345678",
                "created_at", micros(NOW.minusSeconds(3600)), "updated_at", micros(NOW));
        assertThat(violated(c, r)).isEmpty();
        r.put("email", new Utf8("jane at example.com"));
        r.put("state", new Utf8("Sydney"));
        r.put("postcode", new Utf8("200"));
        r.put("updated_at", micros(NOW.minusSeconds(7200)));
        r.put("date_of_birth", (int) LocalDate.ofInstant(NOW, ZoneOffset.UTC).plusDays(1).toEpochDay());
        assertThat(violated(c, r)).containsExactly("email-format", "state-australian", "postcode-format",
                "date-of-birth-not-in-future", "updated-not-before-created");
    }

    @Test
    void loanApplicationRulesCheckStatusTermAndTimes() {
        Contract c = contract("lending.loan_applications");
        GenericRecord r = record(c, "application_id", "LA-1", "customer_id", "C0001", "product", "HOME",
                "amount", money("650000.00", 2), "term_months", 360, "status", "APPROVED",
                "submitted_at", micros(NOW.minus(Duration.ofDays(3))), "decided_at", micros(NOW.minus(Duration.ofDays(1))));
        assertThat(violated(c, r)).isEmpty();
        r.put("status", new Utf8("PENDING"));
        r.put("term_months", 481);
        r.put("submitted_at", micros(NOW.plus(Duration.ofHours(1))));
        assertThat(violated(c, r)).containsExactly("term-in-months", "status-known", "submitted-at-not-in-future",
                "decided-after-submitted");
        r.put("status", new Utf8("DECLINED"));
        r.put("decided_at", null);
        assertThat(violated(c, r)).contains("decision-has-time");
    }

    @Test
    void serviceRulesKeepStartDatesOutOfTheFuture() {
        Contract c = contract("accounts.services");
        int today = (int) LocalDate.ofInstant(NOW, ZoneOffset.UTC).toEpochDay();
        GenericRecord r = record(c, "service_id", 1L, "account_id", 10L, "service_code", "OVERDRAFT", "status", "ACTIVE",
                "start_dt", today, "updated_at", micros(NOW));
        assertThat(violated(c, r)).isEmpty();
        r.put("start_dt", today + 1);
        r.put("end_dt", today);
        r.put("status", new Utf8("OPEN"));
        assertThat(violated(c, r)).containsExactly("status-known", "start-dt-not-in-future", "end-not-before-start");
    }

    /** The CI gate: a breaking change to a committed schema fails the build, naming the field. */
    @Test
    void everySchemaIsCompatibleWithItsCommittedHistory() {
        List<CompatibilityResult> results = CompatibilityCheck.againstHistory(CATALOG, GitHistory.of(TREE));
        assertThat(results).hasSize(CATALOG.contracts().size());
        assertThat(results).allSatisfy(r -> assertThat(r.incompatibilities()).as(r.subject()).isEmpty());
    }
}
