package io.meshspine.dlq.cli;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.dlq.AccessDeniedException;
import io.meshspine.dlq.ApiToken;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqSettings;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.LoadProgress;
import io.meshspine.dlq.Scope;
import io.meshspine.dlq.Steward;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code ./spine dlq}: the steward's workbench on the command line. Every subcommand opens the workbench against the
 * cluster and registry, does one thing as the caller's identity, and writes its audit entry; the same operations as
 * the HTTP API ({@code spine dlq serve}). The caller is the token given ({@code --token} or {@code $SPINE_DLQ_TOKEN}),
 * looked up in the same token configuration the API serves ({@code --tokens} or {@code $SPINE_DLQ_TOKENS}): its role
 * and domains bound what it sees and changes. {@code --local-admin} acts as an admin instead, and the audit says so.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = DlqDefaults.class,
        resourceBundle = "io.meshspine.dlq.cli.DlqHelp",
        description = {"The steward's workbench: list, summarise, inspect, repair, recheck, replay, park and resolve dead letters, "
                + "and read the audit trail. Serve the same as an HTTP API and a web page with 'serve'.",
                "",
                "Who you are: --token (or $SPINE_DLQ_TOKEN), one of the tokens configured with --tokens (or $SPINE_DLQ_TOKENS); you "
                        + "see and change the dead letters of your token's domains only. --local-admin acts as an admin of every "
                        + "domain, named by --as, and the audit records it as local-admin.",
                "",
                "Filters (every command): ${bundle:filters}.",
                ""},
        footer = {"", "Exit codes: 0 done; 1 refused (bad filter, unknown id, a change without a filter, not allowed); 2 wrong usage; "
                + "3 the broker or the registry could not be reached."},
        subcommands = {ListCommand.class, SummaryCommand.class, InspectCommand.class, RepairCommand.class, RecheckCommand.class,
                ReplayCommand.class, ParkCommand.class, ResolveCommand.class, AuditCommand.class, ServeCommand.class})
public final class DlqCommand implements Runnable {

    static final int REFUSED = 1;
    static final int UNREACHABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--registry", paramLabel = "<url>", scope = CommandLine.ScopeType.INHERIT,
            description = "Apicurio's v3 API (default: $SPINE_REGISTRY_URL or ${DEFAULT-VALUE}).")
    String registry;

    @Option(names = "--bootstrap-servers", paramLabel = "<host:port>", scope = CommandLine.ScopeType.INHERIT,
            description = "Kafka cluster (default: $SPINE_KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--contracts", paramLabel = "<dir>", scope = CommandLine.ScopeType.INHERIT,
            description = "A contracts tree (default: the contracts this build packages).")
    Path contractsDir;

    @Option(names = "--token", paramLabel = "<token>", scope = CommandLine.ScopeType.INHERIT,
            description = "Act as this bearer token's identity (default: $SPINE_DLQ_TOKEN).")
    String token;

    @Option(names = "--tokens", paramLabel = "<spec>", scope = CommandLine.ScopeType.INHERIT,
            description = "The token configuration, <name>=sha256:<hex>;<${bundle:roles}>[;<domain>,...]; repeatable, "
                    + "added to $SPINE_DLQ_TOKENS (whitespace separated).")
    List<String> tokenSpecs = new ArrayList<>();

    @Option(names = "--local-admin", scope = CommandLine.ScopeType.INHERIT,
            description = "Act as an admin of every domain without a token (you hold the cluster's credentials); audited as local-admin.")
    boolean localAdmin;

    @Option(names = "--as", paramLabel = "<name>", scope = CommandLine.ScopeType.INHERIT,
            description = "The local admin's name in the audit (default: $SPINE_STEWARD or your user name).")
    String actor;

    @Option(names = "--max-replay-count", paramLabel = "<n>", scope = CommandLine.ScopeType.INHERIT,
            description = "Loop guard: the replay that would reach this count parks the record instead (default ${DEFAULT-VALUE}).")
    int maxReplayCount;

    @Option(names = "--replay-batch", paramLabel = "<n>", scope = CommandLine.ScopeType.INHERIT,
            description = "Dead letters per replay transaction (default ${DEFAULT-VALUE}).")
    int replayBatch;

    @Option(names = "--state-dir", paramLabel = "<dir>", scope = CommandLine.ScopeType.INHERIT,
            description = "Keep the queue's index in <dir> between runs (dlq.state-dir), so the next command only catches up; "
                    + "one workbench at a time per directory. Without it, the index is built in a temporary directory and removed.")
    java.nio.file.Path stateDir;

    private final Supplier<ContractCatalog> contracts;

    public DlqCommand() {
        this(null);
    }

    /** With the contracts that name the dead letters' contracts and PII fields (tests give their own). */
    public DlqCommand(Supplier<ContractCatalog> contracts) {
        this.contracts = contracts;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    DlqConfig config() {
        return DlqConfig.defaults(bootstrapServers, registry).withMaxReplayCount(maxReplayCount).withReplayBatch(replayBatch)
                .withTokens(tokens()).withStateDir(stateDir)
                // the keys that open encrypted originals: SPINE_PRIVACY_* (unset: the demo keys)
                .withPrivacy(io.meshspine.core.privacy.PrivacySettings.parse(io.meshspine.core.config.ConfigDef.of("dlq",
                        io.meshspine.core.privacy.PrivacySettings.ALL).load(null, System.getenv())));
    }

    /** The token configuration: {@code --tokens} and {@code $SPINE_DLQ_TOKENS}. */
    List<ApiToken> tokens() {
        List<ApiToken> parsed = new ArrayList<>();
        tokenSpecs.forEach(s -> parsed.addAll(DlqSettings.parseTokens(s)));
        String env = System.getenv(DlqSettings.TOKENS.envName());
        if (env != null && !env.isBlank()) {
            parsed.addAll(DlqSettings.parseTokens(env));
        }
        return parsed;
    }

    ContractCatalog catalog() {
        if (contracts != null) {
            return contracts.get();
        }
        return contractsDir != null ? ContractCatalog.load(contractsDir) : ContractCatalog.fromClasspath();
    }

    /** Who this run acts as: the token's identity, or the local admin when asked for; nobody otherwise. */
    Steward identity() {
        if (localAdmin) {
            if (token != null) {
                throw new IllegalArgumentException("give either --token (or $SPINE_DLQ_TOKEN) or --local-admin, not both");
            }
            return Steward.localAdmin(actor);
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("who are you? give --token <token> (or $SPINE_DLQ_TOKEN), one of the tokens configured "
                    + "with --tokens / $SPINE_DLQ_TOKENS, or --local-admin to act as an admin (audited as local-admin)");
        }
        Optional<ApiToken> found = ApiToken.find(tokens(), token.trim());
        return found.map(ApiToken::steward).orElseThrow(() -> new AccessDeniedException(
                "the token matches none of the configured tokens (--tokens / $SPINE_DLQ_TOKENS)"));
    }

    /** What every subcommand does with the workbench, turned into an exit code; errors print one line on stderr. */
    interface Work {
        int run(DlqWorkbench bench, Steward who) throws Exception;
    }

    int withWorkbench(CommandLine.Model.CommandSpec sub, Work work) {
        var err = sub.commandLine().getErr();
        try {
            return withWorkbench(sub, work, config());
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return REFUSED;
        }
    }

    /** The server acts for each request's token; opening the workbench for it needs no identity of its own. */
    int serving(CommandLine.Model.CommandSpec sub, Work work, DlqConfig config) {
        return run(sub, work, config, () -> Steward.operator("dlq-serve"));
    }

    int withWorkbench(CommandLine.Model.CommandSpec sub, Work work, DlqConfig config) {
        return run(sub, work, config, this::identity);
    }

    private int run(CommandLine.Model.CommandSpec sub, Work work, DlqConfig config, Supplier<Steward> identity) {
        var err = sub.commandLine().getErr();
        try {
            Steward who = identity.get();
            try (DlqWorkbench bench = DlqWorkbench.open(config, catalog(), loadProgress(err))) {
                return work.run(bench, who);
            }
        } catch (IllegalArgumentException | AccessDeniedException e) {
            err.println("error: " + e.getMessage());
            return REFUSED;
        } catch (RegistryUnavailableException e) {
            err.println("error: " + e.getMessage());
            return UNREACHABLE;
        } catch (org.apache.kafka.common.errors.TimeoutException | IllegalStateException e) {
            err.println("error: cannot reach the Kafka cluster at " + bootstrapServers + " (" + e.getMessage() + ")");
            return UNREACHABLE;
        } catch (Exception e) {
            err.println("error: " + e);
            return UNREACHABLE;
        } finally {
            err.flush();
        }
    }

    /** A line on stderr about once a second while a long load runs, and when it ends if it took that long. */
    private static LoadProgress loadProgress(java.io.PrintWriter err) {
        long started = System.nanoTime();
        return (topic, read, behind, done) -> {
            if (System.nanoTime() - started < 1_000_000_000L) {
                return;
            }
            err.printf("loading %s: %,d of %,d read%s%n", topic, read, behind, done ? ", done" : "");
            err.flush();
        };
    }

    /** Says on stderr when the answer left out dead letters of other domains. */
    static void noteScope(CommandLine.Model.CommandSpec sub, Scope scope) {
        if (scope != null && scope.note() != null) {
            sub.commandLine().getErr().println(scope.note());
            sub.commandLine().getErr().flush();
        }
    }
}
