package io.meshspine.core.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContractCatalogTest {

    @TempDir
    Path root;

    @Test
    void aLoadedContractExposesWhatTheSpineNeeds() {
        ContractFixture.write(root);
        Contract c = ContractCatalog.load(root).contracts().get(0);
        assertThat(c.id()).isEqualTo("shop.orders");
        assertThat(c.version()).isEqualTo("1.2.0");
        assertThat(c.majorVersion()).isEqualTo(1);
        assertThat(c.rawTopic()).isEqualTo("raw.shop.orders");
        assertThat(c.productTopic()).isEqualTo("shop.orders.v1");
        assertThat(c.silverTable()).isEqualTo("orders_v1");
        assertThat(c.lane()).isEqualTo(Lane.EVENT);
        assertThat(c.compatibility()).isEqualTo(CompatibilityMode.FULL_TRANSITIVE);
        assertThat(c.classification()).isEqualTo(Classification.CONFIDENTIAL);
        assertThat(c.keys()).containsExactly("order_id");
        assertThat(c.pii()).containsExactly(new PiiField("customer_email", Masking.HASH));
        assertThat(c.rules().rules()).extracting(QualityRule::id).containsExactly("amount-positive", "quantity-small",
                "email-format", "placed-not-in-future", "note-short", "big-orders-have-notes");
        assertThat(c.rules().rules().get(1).severity()).isEqualTo(Severity.WARN);
        assertThat(c.slos().freshness()).contains(Duration.ofMinutes(30));
        assertThat(c.slos().completeness()).isEmpty();
        assertThat(c.sink()).isEqualTo(new SinkSpec(true, SilverMode.APPEND, java.util.Optional.empty(), Duration.ofDays(30)));
        assertThat(c.avroSchema().getFullName()).isEqualTo("test.shop.orders.v1.Order");
        assertThat(c.location().schemaPath()).contains(root.resolve("shop/orders/v1/orders.avsc").toAbsolutePath().normalize());

        Schema key = c.keySchema();
        assertThat(key.getFullName()).isEqualTo("test.shop.orders.v1.OrderKey");
        assertThat(key.getFields()).extracting(Schema.Field::name).containsExactly("order_id");
    }

    @Test
    void loadingThrowsWithEveryProblemWhenAnyContractIsWrong() {
        ContractFixture.write(root, ContractFixture.contractWith("field: quantity", "field: qty")
                .replace("keys: [order_id]", "keys: [id]"), ContractFixture.SCHEMA);
        assertThatThrownBy(() -> ContractCatalog.load(root))
                .isInstanceOfSatisfying(InvalidContractsException.class, e -> assertThat(e.problems())
                        .extracting(Problem::field).containsExactly("id", "qty"))
                .hasMessageContaining("2 contract problem(s)");
    }

    @Test
    void contractsLoadFromAJarOnTheClasspathAsFromADirectory() throws Exception {
        ContractFixture.write(root.resolve("tree"));
        Path jar = root.resolve("contracts.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(root.resolve("tree"))) {
            for (Path p : files.sorted().toList()) {
                String name = "contracts/" + root.resolve("tree").relativize(p).toString().replace('\\', '/');
                if (Files.isDirectory(p)) {
                    out.putNextEntry(new JarEntry(name.endsWith("/") ? name : name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(p, (OutputStream) out);
                }
                out.closeEntry();
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            ContractCatalog catalog = ContractCatalog.fromClasspath("contracts", loader);
            Contract c = catalog.contracts().get(0);
            assertThat(c.productTopic()).isEqualTo("shop.orders.v1");
            assertThat(c.location().contractFile()).isEqualTo("classpath:contracts/shop/orders/v1/contract.yaml");
            assertThat(c.location().schemaPath()).isEmpty();
            assertThat(catalog.byProductTopic("shop.orders.v1")).contains(c);
            assertThat(catalog.byRawTopic("raw.shop.orders")).containsExactly(c);
            assertThat(catalog.latest("shop.orders")).contains(c);
        }
    }

    @Test
    void buildOutputAndHiddenDirectoriesAreNotPartOfTheTree() {
        ContractFixture.write(root);
        // a stale copy under target/ (as the schemas module's build leaves) would otherwise clash
        ContractFixture.write(root.resolve("target/classes/contracts"));
        ContractFixture.write(root.resolve(".git/old"));
        assertThat(ContractValidator.validate(root)).isEmpty();
        assertThat(ContractCatalog.load(root).contracts()).hasSize(1);
    }

    @Test
    void anEmptyClasspathIsAProblem() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[0], null)) {
            assertThatThrownBy(() -> ContractCatalog.fromClasspath("contracts", loader))
                    .isInstanceOf(InvalidContractsException.class)
                    .hasMessageContaining("no contracts on the classpath");
        }
    }

    @Test
    void theLoadedRulesEvaluateRecords() {
        ContractFixture.write(root);
        Contract c = ContractCatalog.load(root).contracts().get(0);
        var record = Records.record(c.avroSchema(), "order_id", Records.utf8("o-1"), "customer_email", Records.utf8("x@y"),
                "amount", Records.decimal("2000.00", 2), "quantity", 150, "placed_at", 0L);
        List<RuleViolation> violations = c.rules().evaluate(record);
        assertThat(violations).extracting(RuleViolation::ruleId, RuleViolation::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("quantity-small", Severity.WARN),
                org.assertj.core.groups.Tuple.tuple("big-orders-have-notes", Severity.ERROR));
    }
}
