package io.meshspine.core.contract;

import static io.meshspine.core.contract.ContractFixture.contractWith;
import static io.meshspine.core.contract.ContractFixture.lineOf;
import static io.meshspine.core.contract.ContractFixture.schemaWith;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract's {@code dedup: {fields: [...]}} section: what it declares, and each way it can be wrong. */
class EventIdentityTest {

    private static final String KEYS = "keys: [order_id]";

    /** A schema with a field no key may have, to check that dedup shares the keys' type check. */
    private static final String SCHEMA_WITH_TAGS = schemaWith(
            "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}",
            "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null},\n"
                    + "    {\"name\": \"tags\", \"type\": {\"type\": \"array\", \"items\": \"string\"}}");

    @TempDir
    Path root;

    private static String withDedup(String dedup) {
        return contractWith(KEYS, KEYS + "\n" + dedup);
    }

    private Contract load(String contract) {
        ContractFixture.write(root, contract, ContractFixture.SCHEMA);
        return ContractCatalog.load(root).contracts().get(0);
    }

    private List<Problem> validate(String contract) {
        return validate(contract, ContractFixture.SCHEMA);
    }

    private List<Problem> validate(String contract, String schema) {
        ContractFixture.write(root, contract, schema);
        return ContractValidator.validate(root);
    }

    private String contractFile() {
        return root.resolve("shop/orders/v1/contract.yaml").toString();
    }

    @Test
    void aContractWithoutDedupDeclaresNoEventIdentity() {
        Contract c = load(ContractFixture.CONTRACT);
        assertThat(c.dedup()).isEqualTo(EventIdentity.NONE);
        assertThat(c.dedup().declared()).isFalse();
        assertThat(c.dedup().fields()).isEmpty();
    }

    @Test
    void theDedupFieldsBecomeTheContractsEventIdentityInTheirOrder() {
        Contract c = load(withDedup("dedup: {fields: [placed_at, order_id, quantity]}"));
        assertThat(c.dedup().declared()).isTrue();
        assertThat(c.dedup().fields()).containsExactly("placed_at", "order_id", "quantity");
        assertThat(c.keys()).containsExactly("order_id");
    }

    @Test
    void theBlockFormReadsTheSame() {
        Contract c = load(withDedup("""
                dedup:
                  fields:
                    - order_id
                    - customer_email"""));
        assertThat(c.dedup()).isEqualTo(new EventIdentity(List.of("order_id", "customer_email")));
    }

    @Test
    void theOldConstructorBuildsAContractWithoutEventIdentity() {
        Contract c = load(withDedup("dedup: {fields: [order_id]}"));
        Contract rebuilt = new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(),
                c.classification(), c.avroSchema(), c.keys(), c.source(), c.pii(), c.rules(), c.slos(), c.sink(),
                c.compatibility(), c.location());
        assertThat(rebuilt.dedup()).isEqualTo(EventIdentity.NONE);
        assertThat(rebuilt.keys()).isEqualTo(c.keys());
        assertThat(rebuilt.source()).isEqualTo(c.source());
    }

    @Test
    void dedupThatIsNotAMappingIsRefusedOnItsLine() {
        String contract = withDedup("dedup: [order_id]");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(contractFile());
            assertThat(p.line()).isEqualTo(lineOf(contract, "dedup:"));
            assertThat(p.message()).isEqualTo("dedup: expected a mapping, found a list");
        });
    }

    @Test
    void anUnknownKeyInDedupIsRefused() {
        String contract = withDedup("dedup:\n  fields: [order_id]\n  window: 1h");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "window: 1h"));
            assertThat(p.message()).isEqualTo("unknown key 'dedup.window'; expected one of fields");
        });
    }

    @Test
    void dedupWithoutFieldsIsRefused() {
        String contract = withDedup("dedup:\n  field: order_id");
        assertThat(validate(contract)).extracting(Problem::line, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(lineOf(contract, "field: order_id"),
                        "unknown key 'dedup.field'; expected one of fields"),
                org.assertj.core.groups.Tuple.tuple(lineOf(contract, "field: order_id"),
                        "dedup.fields: missing (the fields that identify one event)"));
    }

    @Test
    void fieldsThatAreNotAListAreRefused() {
        String contract = withDedup("dedup: {fields: order_id}");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "dedup:"));
            assertThat(p.message()).isEqualTo("dedup.fields: expected a list, found a string");
        });
    }

    @Test
    void anEmptyFieldListIsRefused() {
        String contract = withDedup("dedup: {fields: []}");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "dedup:"));
            assertThat(p.message()).isEqualTo("dedup.fields: at least one field is needed (or leave dedup out)");
        });
    }

    @Test
    void aFieldThatIsNotANameIsRefused() {
        String contract = withDedup("dedup:\n  fields:\n    - {name: order_id}");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "- {name: order_id}"));
            assertThat(p.message()).isEqualTo("dedup.fields: expected a value, found a mapping");
        });
    }

    @Test
    void aFieldListedTwiceIsRefusedNamingTheField() {
        String contract = withDedup("dedup:\n  fields:\n    - order_id\n    - quantity\n    - order_id");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "- quantity") + 1);
            assertThat(p.field()).isEqualTo("order_id");
            assertThat(p.message()).isEqualTo("dedup.fields: listed twice");
        });
    }

    @Test
    void aFieldNotInTheSchemaNamesFileLineAndField() {
        String contract = withDedup("dedup:\n  fields:\n    - order_id\n    - order_no");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(contractFile());
            assertThat(p.line()).isEqualTo(lineOf(contract, "- order_no"));
            assertThat(p.field()).isEqualTo("order_no");
            assertThat(p.message()).isEqualTo("dedup.fields: no such field in schema test.shop.orders.v1.Order");
        });
    }

    @Test
    void aNullableFieldCannotIdentifyAnEvent() {
        String contract = withDedup("dedup:\n  fields:\n    - order_id\n    - note");
        assertThat(validate(contract)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "- note"));
            assertThat(p.field()).isEqualTo("note");
            assertThat(p.message()).isEqualTo("dedup.fields: an event identity field cannot be nullable");
        });
    }

    @Test
    void aFieldOfATypeNoKeyMayHaveCannotIdentifyAnEvent() {
        String contract = withDedup("dedup:\n  fields:\n    - tags");
        assertThat(validate(contract, SCHEMA_WITH_TAGS)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "- tags"));
            assertThat(p.field()).isEqualTo("tags");
            assertThat(p.message()).isEqualTo("dedup.fields: an event identity field must be a string, enum, number, date or "
                    + "timestamp, found array");
        });
    }

    @Test
    void everyBadFieldIsReportedNotJustTheFirst() {
        String contract = withDedup("dedup:\n  fields:\n    - nope\n    - note\n    - tags");
        assertThat(validate(contract, SCHEMA_WITH_TAGS)).extracting(Problem::field).containsExactly("nope", "note", "tags");
    }
}
