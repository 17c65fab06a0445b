package io.meshspine.cli;

import io.meshspine.core.contract.CompatibilityCheck;
import io.meshspine.core.contract.CompatibilityResult;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.ContractValidator;
import io.meshspine.core.contract.GitHistory;
import io.meshspine.core.contract.Problem;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./spine contracts ...}: what domain data owners and CI run on the contracts in {@code schemas/}. */
@Command(name = "contracts", mixinStandardHelpOptions = true,
        description = "Validate, compatibility-check, register and provision the data contracts.",
        subcommands = {ContractsCommand.Validate.class, ContractsCommand.CheckCompat.class,
                ContractsCommand.Register.class, ContractsCommand.Provision.class})
final class ContractsCommand implements Runnable {

    /** Exit codes: 0 fine, 1 the contracts are wrong, 3 the registry or broker could not be reached. */
    static final int CONTRACTS_WRONG = 1;
    static final int UNREACHABLE = 3;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the contracts tree is: {@code --dir}, else {@code schemas/} of this checkout. */
    static final class ContractsDir {
        @Option(names = "--dir", paramLabel = "<dir>", description = "The contracts tree (default: schemas/ of this checkout).")
        Path dir;

        Path resolve() {
            return SpineHome.orDefault(dir, "schemas");
        }

        /** Validates first and prints every problem; null when there are any, so nothing is acted on. */
        ContractCatalog loadValid(PrintStream out, PrintStream err) {
            Path root = resolve();
            if (!Files.isDirectory(root)) {
                err.println("no contracts tree at " + root.toAbsolutePath() + " (give one with --dir)");
                return null;
            }
            List<Problem> problems = ContractValidator.validate(root);
            if (!problems.isEmpty()) {
                problems.forEach(p -> err.println("error: " + p));
                err.println(problems.size() + " problem(s) in " + root + ": nothing was done");
                return null;
            }
            return ContractCatalog.load(root);
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check that every contract parses, its Avro schema is valid, keys and PII fields exist and rules type-check.")
    static final class Validate implements Callable<Integer> {
        @Mixin
        ContractsDir contracts;

        @Override
        public Integer call() {
            ContractCatalog catalog = contracts.loadValid(System.out, System.err);
            if (catalog == null) {
                return CONTRACTS_WRONG;
            }
            catalog.contracts().forEach(c -> System.out.printf("ok  %-34s %-5s %-6s %d rules  (%s)%n", c.qualifiedName(),
                    c.version(), c.lane().name().toLowerCase(), c.rules().rules().size(), c.location().contractFile()));
            System.out.println(catalog.contracts().size() + " contract(s) valid");
            return 0;
        }
    }

    @Command(name = "check-compat", mixinStandardHelpOptions = true,
            description = {"Check each contract's Avro schema against every earlier committed version of the same major version",
                    "(or against a git ref), in the contract's compatibility mode. A new major version is always allowed."})
    static final class CheckCompat implements Callable<Integer> {
        @Mixin
        ContractsDir contracts;

        @Option(names = "--against", paramLabel = "<git-ref>", description = "Compare with the schemas at this ref only (a branch, tag or commit).")
        String against;

        @Override
        public Integer call() {
            ContractCatalog catalog = contracts.loadValid(System.out, System.err);
            if (catalog == null) {
                return CONTRACTS_WRONG;
            }
            GitHistory git = GitHistory.of(contracts.resolve());
            List<CompatibilityResult> results = against == null
                    ? CompatibilityCheck.againstHistory(catalog, git)
                    : CompatibilityCheck.againstRef(catalog, git, against);
            int broken = 0;
            for (CompatibilityResult r : results) {
                if (r.compatible()) {
                    System.out.printf("ok  %-34s %s against %d earlier version(s)%n", r.subject(), r.mode(), r.comparedWith().size());
                } else {
                    broken++;
                    r.incompatibilities().forEach(i -> System.err.println("incompatible  " + r.subject() + " (" + r.mode() + "): " + i));
                }
                r.skipped().forEach(s -> System.out.println("    skipped " + s));
            }
            System.out.println(broken == 0 ? "every contract is compatible" : broken + " contract(s) break compatibility");
            return broken == 0 ? 0 : CONTRACTS_WRONG;
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = {"Register every contract's schemas in Apicurio Registry (group = domain, one artifact per topic), with the",
                    "artifact's compatibility rule set to the contract's mode and validity FULL. Idempotent."})
    static final class Register implements Callable<Integer> {
        @Mixin
        ContractsDir contracts;

        @Option(names = "--registry", paramLabel = "<url>", defaultValue = "${env:SPINE_REGISTRY_URL:-http://127.0.0.1:8080/apis/registry/v3}",
                description = "Apicurio's v3 API (default: $SPINE_REGISTRY_URL or ${DEFAULT-VALUE}).")
        String registry;

        @Override
        public Integer call() {
            ContractCatalog catalog = contracts.loadValid(System.out, System.err);
            if (catalog == null) {
                return CONTRACTS_WRONG;
            }
            try {
                return report(new ContractRegistrar(new ApicurioClient(registry)).register(catalog.contracts()), System.out, System.err);
            } catch (RegistryUnavailableException e) {
                System.err.println("error: " + e.getMessage());
                return UNREACHABLE;
            }
        }

        static int report(List<ContractRegistrar.Registration> registrations, PrintStream out, PrintStream err) {
            long rejected = registrations.stream().filter(r -> r.result() == ContractRegistrar.Result.REJECTED).count();
            registrations.forEach(r -> (r.result() == ContractRegistrar.Result.REJECTED ? err : out).println(r.describe()));
            out.printf("%d artifact(s): %d created, %d new version(s), %d unchanged, %d rejected%n", registrations.size(),
                    count(registrations, ContractRegistrar.Result.CREATED), count(registrations, ContractRegistrar.Result.NEW_VERSION),
                    count(registrations, ContractRegistrar.Result.UNCHANGED), rejected);
            return rejected == 0 ? 0 : CONTRACTS_WRONG;
        }

        private static long count(List<ContractRegistrar.Registration> registrations, ContractRegistrar.Result result) {
            return registrations.stream().filter(r -> r.result() == result).count();
        }
    }

    @Command(name = "provision", mixinStandardHelpOptions = true,
            description = {"Create or update the raw, product, DLQ and internal topics the contracts imply. Never deletes a topic",
                    "or shrinks partitions; reports what it changed."})
    static final class Provision implements Callable<Integer> {
        @Mixin
        ContractsDir contracts;

        @Option(names = "--bootstrap-servers", paramLabel = "<host:port>",
                defaultValue = "${env:SPINE_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
                description = "Kafka cluster (default: $SPINE_KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
        String bootstrapServers;

        @Option(names = "--partitions", defaultValue = "4", description = "Partitions of raw, product and DLQ topics (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "1", description = "Replication factor of new topics (default: ${DEFAULT-VALUE}).")
        short replicationFactor;

        @Override
        public Integer call() {
            ContractCatalog catalog = contracts.loadValid(System.out, System.err);
            if (catalog == null) {
                return CONTRACTS_WRONG;
            }
            TopicCatalogue.Settings defaults = TopicCatalogue.Settings.defaults();
            TopicCatalogue topics = TopicCatalogue.of(catalog.contracts(), new TopicCatalogue.Settings(partitions,
                    defaults.rawRetention(), defaults.productRetention(), defaults.deadLetterRetention()));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
                return report(new TopicProvisioner(admin, replicationFactor).provision(topics.topics()), System.out);
            } catch (IllegalStateException e) {
                System.err.println("error: " + e.getMessage() + " (bootstrap servers " + bootstrapServers + ")");
                return UNREACHABLE;
            }
        }

        static int report(TopicProvisioner.Report report, PrintStream out) {
            report.changes().forEach(c -> out.println(c.describe()));
            out.printf("%d change(s), %d topic(s) already as wanted%n",
                    report.changes().stream().filter(c -> !(c instanceof TopicProvisioner.LeftAlone)).count(), report.unchanged());
            return 0;
        }
    }

}
