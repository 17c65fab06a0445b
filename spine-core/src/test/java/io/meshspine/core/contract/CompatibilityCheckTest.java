package io.meshspine.core.contract;

import static io.meshspine.core.contract.ContractFixture.schemaWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompatibilityCheckTest {

    static final Schema V1 = new Schema.Parser().parse(ContractFixture.SCHEMA);

    static Schema with(String from, String to) {
        return new Schema.Parser().parse(schemaWith(from, to));
    }

    static final String LAST_FIELD = "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}";

    static CompatibilityResult check(Schema candidate, CompatibilityMode mode, Schema... earlierNewestFirst) {
        List<CompatibilityCheck.EarlierSchema> earlier = new java.util.ArrayList<>();
        for (int i = 0; i < earlierNewestFirst.length; i++) {
            earlier.add(new CompatibilityCheck.EarlierSchema("v1." + (earlierNewestFirst.length - 1 - i), earlierNewestFirst[i]));
        }
        return CompatibilityCheck.check("shop.orders.v1", candidate, earlier, mode);
    }

    @Test
    void addingAnOptionalFieldWithADefaultIsFullyCompatible() {
        Schema v2 = with(LAST_FIELD, LAST_FIELD + ",\n    {\"name\": \"channel\", \"type\": [\"null\", \"string\"], \"default\": null}");
        CompatibilityResult result = check(v2, CompatibilityMode.FULL_TRANSITIVE, V1);
        assertThat(result.compatible()).isTrue();
        assertThat(result.comparedWith()).containsExactly("v1.0");
    }

    @Test
    void addingAFieldWithoutADefaultBreaksBackwardCompatibilityNamingTheField() {
        Schema v2 = with(LAST_FIELD, LAST_FIELD + ",\n    {\"name\": \"channel\", \"type\": \"string\"}");
        CompatibilityResult result = check(v2, CompatibilityMode.FULL_TRANSITIVE, V1);
        assertThat(result.compatible()).isFalse();
        assertThat(result.incompatibilities()).singleElement().satisfies(i -> {
            assertThat(i.field()).isEqualTo("channel");
            assertThat(i.direction()).isEqualTo(Incompatibility.Direction.BACKWARD);
            assertThat(i.against()).isEqualTo("v1.0");
            assertThat(i.reason()).contains("without a default");
        });
        // forward-only promises let new required fields through: old readers ignore them
        assertThat(check(v2, CompatibilityMode.FORWARD, V1).compatible()).isTrue();
    }

    @Test
    void removingAFieldWithoutADefaultBreaksForwardCompatibilityNamingTheField() {
        Schema v2 = with("{\"name\": \"quantity\", \"type\": \"int\"},", "");
        CompatibilityResult result = check(v2, CompatibilityMode.FULL, V1);
        assertThat(result.incompatibilities()).singleElement().satisfies(i -> {
            assertThat(i.field()).isEqualTo("quantity");
            assertThat(i.direction()).isEqualTo(Incompatibility.Direction.FORWARD);
        });
        assertThat(check(v2, CompatibilityMode.BACKWARD, V1).compatible()).isTrue();
    }

    @Test
    void anIncompatibleTypeChangeFailsNamingTheFieldAndTheTypes() {
        Schema v2 = with("{\"name\": \"quantity\", \"type\": \"int\"}", "{\"name\": \"quantity\", \"type\": \"string\"}");
        CompatibilityResult result = check(v2, CompatibilityMode.FULL_TRANSITIVE, V1);
        assertThat(result.incompatibilities()).hasSize(2).allSatisfy(i -> {
            assertThat(i.field()).isEqualTo("quantity");
            assertThat(i.reason()).startsWith("type changed incompatibly");
        });
        assertThat(result.incompatibilities().get(0).toString())
                .startsWith("field 'quantity': type changed incompatibly")
                .contains("the new schema cannot read data written with v1.0");
    }

    @Test
    void wideningIntToLongIsBackwardButNotForwardCompatible() {
        Schema v2 = with("{\"name\": \"quantity\", \"type\": \"int\"}", "{\"name\": \"quantity\", \"type\": \"long\"}");
        assertThat(check(v2, CompatibilityMode.BACKWARD, V1).compatible()).isTrue();
        assertThat(check(v2, CompatibilityMode.FULL, V1).incompatibilities())
                .extracting(Incompatibility::direction).containsExactly(Incompatibility.Direction.FORWARD);
    }

    @Test
    void transitiveModesCheckEveryEarlierVersionAndOthersOnlyTheLatest() {
        // v1.0 had no note; v1.1 added it with a default; the candidate makes it required
        Schema v10 = with(",\n    " + LAST_FIELD, "");
        Schema v11 = V1;
        Schema candidate = with(LAST_FIELD, "{\"name\": \"note\", \"type\": \"string\", \"default\": \"\"}");
        // against v1.1 the union-to-string change breaks backward compatibility (a null note cannot be read)
        assertThat(check(candidate, CompatibilityMode.BACKWARD, v11, v10).comparedWith()).containsExactly("v1.1");
        assertThat(check(candidate, CompatibilityMode.BACKWARD_TRANSITIVE, v11, v10).comparedWith()).containsExactly("v1.1", "v1.0");

        // a change that only breaks with the oldest version is caught by the transitive mode alone
        Schema dropsDefault = with(LAST_FIELD, "{\"name\": \"note\", \"type\": [\"null\", \"string\"]}");
        assertThat(check(dropsDefault, CompatibilityMode.BACKWARD, v11, v10).compatible()).isTrue();
        assertThat(check(dropsDefault, CompatibilityMode.BACKWARD_TRANSITIVE, v11, v10).incompatibilities())
                .singleElement().satisfies(i -> {
                    assertThat(i.field()).isEqualTo("note");
                    assertThat(i.against()).isEqualTo("v1.0");
                });
    }

    @Test
    void earlierVersionsEqualToTheCandidateArePassedOver() {
        Schema v2 = with(LAST_FIELD, LAST_FIELD + ",\n    {\"name\": \"channel\", \"type\": \"string\"}");
        // the work tree equals HEAD (already committed): the breaking change is still found against HEAD~1
        CompatibilityResult result = check(v2, CompatibilityMode.FULL, v2, V1);
        assertThat(result.comparedWith()).containsExactly("v1.0");
        assertThat(result.compatible()).isFalse();
    }

    @Test
    void nestedFieldsAreNamedWithTheirPath() {
        Schema v1 = new Schema.Parser().parse("""
                {"type": "record", "name": "A", "fields": [{"name": "address", "type":
                  {"type": "record", "name": "Address", "fields": [{"name": "postcode", "type": "string"}]}}]}""");
        Schema v2 = new Schema.Parser().parse("""
                {"type": "record", "name": "A", "fields": [{"name": "address", "type":
                  {"type": "record", "name": "Address", "fields": [{"name": "postcode", "type": "int"}]}}]}""");
        assertThat(check(v2, CompatibilityMode.BACKWARD, v1).incompatibilities())
                .extracting(Incompatibility::field).containsExactly("address.postcode");
    }

    // --- against git ------------------------------------------------------------------------

    @TempDir
    Path repo;

    private void git(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-c", "user.name=test", "-c", "user.email=test@example.com",
                "-c", "commit.gpgsign=false"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", args) + ": " + out).isZero();
    }

    private ContractFixture commitFixture(String schema, String message) throws Exception {
        ContractFixture f = ContractFixture.write(repo.resolve("schemas"), ContractFixture.CONTRACT, schema);
        git("add", "-A");
        git("commit", "-q", "-m", message);
        return f;
    }

    @Test
    void theHistoryOfTheSchemaFileIsTheListOfEarlierVersions() throws Exception {
        git("init", "-q");
        commitFixture(ContractFixture.SCHEMA, "v1.0");
        String compatible = schemaWith(LAST_FIELD, LAST_FIELD + ",\n    {\"name\": \"channel\", \"type\": [\"null\", \"string\"], \"default\": null}");
        commitFixture(compatible, "v1.1");
        GitHistory git = GitHistory.of(repo);

        Contract committed = ContractCatalog.load(repo.resolve("schemas")).contracts().get(0);
        CompatibilityResult clean = CompatibilityCheck.againstHistory(committed, git);
        assertThat(clean.compatible()).isTrue();
        assertThat(clean.comparedWith()).hasSize(1); // HEAD equals the work tree and is passed over

        // an uncommitted breaking change in the work tree
        ContractFixture.write(repo.resolve("schemas"), ContractFixture.CONTRACT,
                schemaWith(LAST_FIELD, LAST_FIELD + ",\n    {\"name\": \"region\", \"type\": \"string\"}"));
        Contract broken = ContractCatalog.load(repo.resolve("schemas")).contracts().get(0);
        CompatibilityResult result = CompatibilityCheck.againstHistory(broken, git);
        assertThat(result.compatible()).isFalse();
        assertThat(result.comparedWith()).hasSize(2);
        assertThat(result.incompatibilities()).extracting(Incompatibility::field).containsOnly("region");

        CompatibilityResult atRef = CompatibilityCheck.againstRef(broken, git, "HEAD~1");
        assertThat(atRef.comparedWith()).containsExactly("HEAD~1");
        assertThat(atRef.compatible()).isFalse();
    }

    @Test
    void aNewMajorVersionHasNoHistoryAndIsAlwaysAllowed() throws Exception {
        git("init", "-q");
        commitFixture(ContractFixture.SCHEMA, "v1");
        Path v2 = repo.resolve("schemas/shop/orders/v2");
        Files.createDirectories(v2);
        Files.writeString(v2.resolve("contract.yaml"), ContractFixture.CONTRACT.replace("version: 1.2.0", "version: 2.0.0"));
        Files.writeString(v2.resolve("orders.avsc"), "{\"type\": \"record\", \"name\": \"Order\", \"namespace\": \"test.shop.orders.v2\", "
                + "\"fields\": [{\"name\": \"order_id\", \"type\": \"long\"}, {\"name\": \"customer_email\", \"type\": \"string\"}, "
                + "{\"name\": \"amount\", \"type\": \"double\"}, {\"name\": \"quantity\", \"type\": \"int\"}, "
                + "{\"name\": \"placed_at\", \"type\": {\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}}, "
                + "{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": null}]}");
        ContractCatalog catalog = ContractCatalog.load(repo.resolve("schemas"));
        assertThat(catalog.contracts()).extracting(Contract::productTopic).containsExactly("shop.orders.v1", "shop.orders.v2");
        GitHistory git = GitHistory.of(repo);
        assertThat(CompatibilityCheck.againstHistory(catalog, git)).allSatisfy(r -> assertThat(r.compatible()).isTrue());
        assertThat(CompatibilityCheck.againstRef(catalog.find("shop.orders", 2).orElseThrow(), git, "HEAD").comparedWith()).isEmpty();
    }

    @Test
    void anUnknownRefIsAnErrorNotAPass() throws Exception {
        git("init", "-q");
        ContractFixture f = commitFixture(ContractFixture.SCHEMA, "v1");
        Contract contract = ContractCatalog.load(f.root).contracts().get(0);
        assertThatThrownBy(() -> CompatibilityCheck.againstRef(contract, GitHistory.of(repo), "no-such-branch"))
                .isInstanceOf(GitHistory.GitException.class).hasMessage("unknown git ref 'no-such-branch'");
    }

    @Test
    void aDirectoryOutsideAnyWorkTreeIsRefused() {
        assertThatThrownBy(() -> GitHistory.of(repo)).isInstanceOf(GitHistory.GitException.class)
                .hasMessageStartingWith("not in a git work tree");
    }
}
