package io.meshspine.cli;

import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./spine contracts ...} as a data owner or CI runs it, on the repo's contracts and on broken copies. */
@ExtendWith(SpineExtension.class)
class ContractsCommandTest {

    private static final Path SCHEMAS = Path.of("").toAbsolutePath().getParent().resolve("schemas");

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void validate_passes_on_the_repos_contracts_and_lists_them() {
        int exit = run("contracts", "validate", "--dir", SCHEMAS.toString());

        assertThat(exit).as(err()).isZero();
        assertThat(out()).contains("payments.transactions.v1", "crm.customers.v1", "lending.loan_applications.v1",
                "accounts.services.v1", "4 contract(s) valid");
    }

    @Test
    void validate_fails_naming_file_line_and_field_and_register_acts_on_nothing(SpineTestKit kit, @TempDir Path tree) throws IOException {
        copyTree(SCHEMAS.resolve("payments"), tree.resolve("payments"));
        Path contract = tree.resolve("payments/transactions/v1/contract.yaml");
        Files.writeString(contract, Files.readString(contract).replace("field: amount\n", "field: currency\n"));

        int validate = run("contracts", "validate", "--dir", tree.toString());
        int register = run("contracts", "register", "--dir", tree.toString(), "--registry", kit.registryUrl());

        assertThat(validate).isEqualTo(ContractsCommand.CONTRACTS_WRONG);
        assertThat(register).isEqualTo(ContractsCommand.CONTRACTS_WRONG);
        assertThat(err()).contains("contract.yaml:").contains("currency").contains("nothing was done");
        assertThat(out()).doesNotContain("created");
    }

    @Test
    void register_and_provision_are_idempotent_against_the_real_registry_and_broker(SpineTestKit kit, @TempDir Path tree) throws IOException {
        // A domain of its own, so this test shares no artifact or topic with any other on the shared kit.
        String domain = SpineTestKit.uniqueName("cli").replace('-', '_');
        copyTree(SCHEMAS.resolve("payments"), tree.resolve(domain));
        Path contract = tree.resolve(domain + "/transactions/v1/contract.yaml");
        Files.writeString(contract, Files.readString(contract)
                .replace("id: payments.transactions", "id: " + domain + ".transactions")
                .replace("domain: payments", "domain: " + domain));

        int first = run("contracts", "register", "--dir", tree.toString(), "--registry", kit.registryUrl());
        int again = run("contracts", "register", "--dir", tree.toString(), "--registry", kit.registryUrl());
        int provision = run("contracts", "provision", "--dir", tree.toString(), "--bootstrap-servers", kit.bootstrapServers());
        int provisionAgain = run("contracts", "provision", "--dir", tree.toString(), "--bootstrap-servers", kit.bootstrapServers());

        assertThat(new int[]{first, again, provision, provisionAgain}).as(err()).containsOnly(0);
        assertThat(out()).contains("4 artifact(s): 4 created, 0 new version(s), 0 unchanged, 0 rejected")
                .contains("4 artifact(s): 0 created, 0 new version(s), 4 unchanged, 0 rejected")
                .contains("created raw." + domain + ".transactions")
                .contains("created " + domain + ".transactions.v1")
                .contains("0 change(s)");
    }

    @Test
    void an_unreachable_registry_exits_3_naming_the_url() {
        String url = "http://127.0.0.1:" + io.meshspine.testkit.FreePorts.next() + "/apis/registry/v3";

        int exit = run("contracts", "register", "--dir", SCHEMAS.toString(), "--registry", url);

        assertThat(exit).isEqualTo(ContractsCommand.UNREACHABLE);
        assertThat(err()).contains(url).contains("unreachable");
    }

    private static int run(String... args) {
        return Spine.commandLine().execute(args);
    }

    private String out() {
        return console.out();
    }

    private String err() {
        return console.err();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
