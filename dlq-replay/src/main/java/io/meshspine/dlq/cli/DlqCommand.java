package io.meshspine.dlq.cli;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.Steward;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * {@code ./spine dlq}: the steward's workbench on the command line. Every subcommand opens the workbench against the
 * cluster and registry, does one thing, and writes its audit entry; the same operations as the HTTP API
 * ({@code spine dlq serve}). The caller acts as the operating-system user and may do everything (they hold the
 * cluster's credentials); {@code inspect} still masks PII unless {@code --show-pii}.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The steward's workbench: list, summarise, inspect, repair, recheck, replay, park and resolve dead letters, "
                + "and read the audit trail. Serve the same as an HTTP API and a web page with 'serve'.",
                "",
                "Filters (every command): --failure-type, --rule, --contract, --source-topic, --from, --to, --key, --correlation-id, "
                        + "--replay-count, --status (default active), --id, --where field=value.",
                ""},
        footer = {"", "Exit codes: 0 done; 1 refused (bad filter, unknown id, a change without a filter); 2 wrong usage; "
                + "3 the broker or the registry could not be reached."},
        subcommands = {ListCommand.class, SummaryCommand.class, InspectCommand.class, RepairCommand.class, RecheckCommand.class,
                ReplayCommand.class, ParkCommand.class, ResolveCommand.class, AuditCommand.class, ServeCommand.class})
public final class DlqCommand implements Runnable {

    static final int REFUSED = 1;
    static final int UNREACHABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--registry", paramLabel = "<url>", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:SPINE_REGISTRY_URL:-http://127.0.0.1:8080/apis/registry/v3}",
            description = "Apicurio's v3 API (default: $SPINE_REGISTRY_URL or ${DEFAULT-VALUE}).")
    String registry;

    @Option(names = "--bootstrap-servers", paramLabel = "<host:port>", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:SPINE_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka cluster (default: $SPINE_KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--contracts", paramLabel = "<dir>", scope = CommandLine.ScopeType.INHERIT,
            description = "A contracts tree (default: the contracts this build packages).")
    Path contractsDir;

    @Option(names = "--as", paramLabel = "<name>", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:SPINE_STEWARD:-${sys:user.name}}", description = "Who the audit records (default: $SPINE_STEWARD or your user name).")
    String actor;

    @Option(names = "--max-replay-count", paramLabel = "<n>", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:SPINE_DLQ_MAX_REPLAY_COUNT:-3}",
            description = "Loop guard: the replay that would reach this count parks the record instead (default ${DEFAULT-VALUE}).")
    int maxReplayCount;

    @Option(names = "--replay-batch", paramLabel = "<n>", scope = CommandLine.ScopeType.INHERIT, defaultValue = "100",
            description = "Dead letters per replay transaction (default ${DEFAULT-VALUE}).")
    int replayBatch;

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
        return DlqConfig.defaults(bootstrapServers, registry).withMaxReplayCount(maxReplayCount).withReplayBatch(replayBatch);
    }

    ContractCatalog catalog() {
        if (contracts != null) {
            return contracts.get();
        }
        return contractsDir != null ? ContractCatalog.load(contractsDir) : ContractCatalog.fromClasspath();
    }

    Steward operator() {
        return Steward.operator(actor);
    }

    /** What every subcommand does with the workbench, turned into an exit code; errors print one line on stderr. */
    interface Work {
        int run(DlqWorkbench bench) throws Exception;
    }

    int withWorkbench(CommandLine.Model.CommandSpec sub, Work work) {
        return withWorkbench(sub, work, config());
    }

    int withWorkbench(CommandLine.Model.CommandSpec sub, Work work, DlqConfig config) {
        var err = sub.commandLine().getErr();
        try (DlqWorkbench bench = DlqWorkbench.open(config, catalog())) {
            return work.run(bench);
        } catch (IllegalArgumentException | DlqWorkbench.AccessDeniedException e) {
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
}
