package io.meshspine.core.contract;

import static io.meshspine.core.contract.ContractFixture.contractWith;
import static io.meshspine.core.contract.ContractFixture.lineOf;
import static io.meshspine.core.contract.ContractFixture.schemaWith;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContractValidatorTest {

    @TempDir
    Path root;

    private List<Problem> validate(String contract, String schema) {
        ContractFixture.write(root, contract, schema);
        return ContractValidator.validate(root);
    }

    private String contractFile() {
        return root.resolve("shop/orders/v1/contract.yaml").toString();
    }

    private String schemaFile() {
        return root.resolve("shop/orders/v1/orders.avsc").toString();
    }

    @Test
    void theFixtureIsValid() {
        assertThat(validate(ContractFixture.CONTRACT, ContractFixture.SCHEMA)).isEmpty();
    }

    @Test
    void aRuleOnAnUnknownFieldNamesFileLineAndField() {
        String contract = contractWith("field: quantity", "field: quantiy");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(contractFile());
            assertThat(p.line()).isEqualTo(lineOf(contract, "field: quantiy"));
            assertThat(p.field()).isEqualTo("quantiy");
            assertThat(p.message()).contains("names field 'quantiy', which is not in schema test.shop.orders.v1.Order");
        });
    }

    @Test
    void aRangeOnAStringIsAnError() {
        String contract = contractWith("field: quantity\n    max: 100", "field: customer_email\n    max: 100");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "max: 100") - 1);
            assertThat(p.field()).isEqualTo("customer_email");
            assertThat(p.message()).isEqualTo("quality[1]: range rule 'quantity-small' needs a number (int, long, float, double "
                    + "or decimal), but field 'customer_email' is string");
        });
    }

    @Test
    void aRegexOnANumberIsAnError() {
        String contract = contractWith("field: customer_email\n    pattern", "field: quantity\n    pattern");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "pattern:") - 1);
            assertThat(p.field()).isEqualTo("quantity");
            assertThat(p.message()).contains("regex rule 'email-format' needs a string or enum, but field 'quantity' is int");
        });
    }

    @Test
    void aCelExpressionThatDoesNotCompileNamesItsLine() {
        String contract = contractWith("amount < 1000.0 || note != null", "amount < 1000.0 || notes != null");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(contractFile());
            assertThat(p.line()).isEqualTo(lineOf(contract, "expression: amount"));
            assertThat(p.message()).contains("cel rule 'big-orders-have-notes' does not compile")
                    .contains("undeclared reference to 'notes'");
        });
    }

    @Test
    void everyBadRuleIsReportedNotJustTheFirst() {
        String contract = contractWith("field: quantity", "field: nope")
                .replace("pattern: '[^@]+@[^@]+'", "pattern: '[unclosed'");
        List<Problem> problems = validate(contract, ContractFixture.SCHEMA);
        assertThat(problems).extracting(Problem::line).containsExactly(
                lineOf(contract, "pattern: '[unclosed'"), lineOf(contract, "field: nope"));
        assertThat(problems.get(0).message()).contains("not a valid regular expression");
    }

    @Test
    void keysAndPiiFieldsMustExistInTheSchema() {
        String contract = contractWith("keys: [order_id]", "keys: [order_no]")
                .replace("- field: customer_email\n    masking: hash", "- field: email\n    masking: hash");
        assertThat(validate(contract, ContractFixture.SCHEMA)).extracting(Problem::line, Problem::field)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(lineOf(contract, "keys: [order_no]"), "order_no"),
                        org.assertj.core.groups.Tuple.tuple(lineOf(contract, "- field: email"), "email"));
    }

    @Test
    void aNullableKeyAndAHashedNumberAreRefused() {
        String contract = contractWith("keys: [order_id]", "keys: [note]")
                .replace("- field: customer_email\n    masking: hash", "- field: quantity\n    masking: hash");
        assertThat(validate(contract, ContractFixture.SCHEMA)).extracting(Problem::message).containsExactly(
                "keys: a key field cannot be nullable",
                "pii[0]: masking hash needs a string field, found int");
    }

    @Test
    void malformedYamlReportsTheLine() {
        String contract = contractWith("keys: [order_id]", "keys: [order_id");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(contractFile());
            assertThat(p.line()).isGreaterThanOrEqualTo(lineOf(contract, "keys: [order_id"));
            assertThat(p.message()).startsWith("malformed YAML");
        });
    }

    @Test
    void aDuplicateKeyIsReportedRatherThanSilentlyOverwritten() {
        String contract = contractWith("classification: confidential", "classification: confidential\nclassification: public");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "classification: public"));
            assertThat(p.message()).isEqualTo("duplicate key 'classification'");
        });
    }

    @Test
    void unknownKeysAndBadEnumValuesAreNamed() {
        String contract = contractWith("classification: confidential", "classification: secret\nowner: me");
        assertThat(validate(contract, ContractFixture.SCHEMA)).extracting(Problem::line, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(lineOf(contract, "owner: me"), "unknown key 'owner'; expected one of "
                        + "apiVersion, avroImports, avroSchema, classification, compatibility, customProperties, dataProduct, "
                        + "dedup, description, domain, id, keys, kind, name, pii, quality, sink, slaProperties, source, status, subject, "
                        + "tags, team, tenant, version"),
                org.assertj.core.groups.Tuple.tuple(lineOf(contract, "classification: secret"),
                        "classification: 'secret' is not one of [public, internal, confidential, restricted]"));
    }

    @Test
    void malformedAvscReportsTheSchemaFileAndLine() {
        String schema = schemaWith("{\"name\": \"quantity\", \"type\": \"int\"},", "{\"name\": \"quantity\", \"type\": \"int\"}");
        assertThat(validate(ContractFixture.CONTRACT, schema)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(schemaFile());
            assertThat(p.line()).isEqualTo(lineOf(schema, "placed_at"));
            assertThat(p.message()).startsWith("invalid Avro schema: malformed JSON");
        });
    }

    @Test
    void anUndefinedAvroTypeIsFoundOnItsLine() {
        String schema = schemaWith("{\"name\": \"quantity\", \"type\": \"int\"}", "{\"name\": \"quantity\", \"type\": \"integer\"}");
        assertThat(validate(ContractFixture.CONTRACT, schema)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(schemaFile());
            assertThat(p.line()).isEqualTo(lineOf(schema, "\"integer\""));
            assertThat(p.message()).contains("integer");
        });
    }

    @Test
    void aLogicalTypeAvroWouldSilentlyDropIsAnError() {
        String schema = schemaWith("\"logicalType\": \"decimal\", \"precision\": 12, \"scale\": 2", "\"logicalType\": \"decimal\"");
        assertThat(validate(ContractFixture.CONTRACT, schema)).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(schemaFile());
            assertThat(p.line()).isEqualTo(lineOf(schema, "\"amount\""));
            assertThat(p.field()).isEqualTo("amount");
            assertThat(p.message()).contains("logical type 'decimal' is not valid on bytes");
        });
    }

    @Test
    void aMissingSchemaFileIsReportedAtTheContractLine() {
        String contract = contractWith("avroSchema: orders.avsc", "avroSchema: order.avsc");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "avroSchema:"));
            assertThat(p.message()).isEqualTo("avroSchema: schema file 'order.avsc' not found next to the contract");
        });
    }

    @Test
    void theDirectoryLayoutMustMatchDomainProductAndMajorVersion() {
        String contract = contractWith("version: 1.2.0", "version: 2.0.0");
        assertThat(validate(contract, ContractFixture.SCHEMA)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(lineOf(contract, "version: 2.0.0"));
            assertThat(p.message()).contains("major 2 does not match its directory 'v1'");
        });
    }

    @Test
    void anEmptyRangeAndAPublicProductWithPiiAreRefused() {
        String contract = contractWith("max: 100", "min: 200\n    max: 100").replace("classification: confidential", "classification: public");
        assertThat(validate(contract, ContractFixture.SCHEMA)).extracting(Problem::message).containsExactlyInAnyOrder(
                "classification: a public product cannot carry PII fields",
                "quality[1]: the range is empty (min 200, max 100)");
    }

    @Test
    void fileAndCdcBindingsAreChecked() {
        String file = contractWith("source:\n  lane: event", """
                source:
                  lane: file
                  landing: shop/orders/*.csv
                  csv:
                    delimiter: ';;'
                    encoding: NOPE-8""");
        assertThat(validate(file, ContractFixture.SCHEMA)).extracting(Problem::message).containsExactly(
                "source.csv.delimiter: must be a single character, found ';;'",
                "source.csv.encoding: unknown charset 'NOPE-8'");

        String cdc = contractWith("source:\n  lane: event", """
                source:
                  lane: cdc
                  connector: oracle
                  table: orders""");
        assertThat(validate(cdc, ContractFixture.SCHEMA)).extracting(Problem::message).containsExactly(
                "source.connector: 'oracle' is not one of [postgres, mariadb]",
                "source.database: missing");
    }

    @Test
    void anEmptyTreeIsAProblemNotASilentSuccess() throws Exception {
        Files.createDirectories(root.resolve("empty"));
        assertThat(ContractValidator.validate(root.resolve("empty"))).singleElement()
                .extracting(Problem::message).isEqualTo("no contract.yaml found");
    }
}
