package io.meshspine.cli.ops;

import io.meshspine.cli.SpineHome;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./spine ops ...}: what an operator prepares before running the compose stack. */
@Command(name = "ops", mixinStandardHelpOptions = true, description = "Operator's helpers for the compose stack (docker-compose.yml).",
        subcommands = OpsCommand.DevSecretsCommand.class)
public final class OpsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code ./spine ops dev-secrets}: the compose stack's development hash key and API tokens. */
    @Command(name = "dev-secrets", mixinStandardHelpOptions = true,
            description = {"Generate the compose stack's development secrets: ops/secrets/dev.env (SPINE_GATE_HASH_KEY, SPINE_DLQ_TOKENS",
                    "as hashes; compose reads it as env_file) and ops/secrets/dev-tokens.txt (the plain bearer tokens).",
                    "Existing files are kept unless --force: a new hash key changes every hashed value."})
    static final class DevSecretsCommand implements Callable<Integer> {

        @Option(names = "--dir", paramLabel = "<dir>", description = "Where to write them (default: ops/secrets in the repository).")
        Path dir;

        @Option(names = "--force", description = "Replace existing secrets.")
        boolean force;

        @Override
        public Integer call() {
            Path target = SpineHome.orDefault(dir, "ops/secrets");
            if (Files.exists(target.resolve(DevSecrets.ENV_FILE)) && !force) {
                System.out.printf("spine ops dev-secrets: %s exists; kept (--force replaces it)%n", target.resolve(DevSecrets.ENV_FILE));
                return 0;
            }
            DevSecrets secrets = DevSecrets.generate(ContractCatalog.fromClasspath().contracts().stream().map(Contract::domain).distinct().sorted().toList());
            secrets.writeTo(target);
            System.out.printf("spine ops dev-secrets: wrote %s (for docker compose) and %s (the bearer tokens: %s)%n",
                    target.resolve(DevSecrets.ENV_FILE), target.resolve(DevSecrets.TOKENS_FILE),
                    String.join(", ", secrets.tokens().stream().map(t -> t.name() + " " + t.role()).toList()));
            return 0;
        }
    }
}
