package io.meshspine.sink;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.gate.GateSettings;

import java.nio.file.Path;
import java.util.Map;

/**
 * A backfill as its own process, for the kill test: {@code <lake> <contracts dir> <contract id> <bootstrap> <registry>
 * <hash key> <into> [chunk rows]}. Prints nothing but the summary; a crash point (system properties of {@link CrashPoint}) halts it.
 */
public final class BackfillMain {

    public static void main(String[] args) {
        Contract contract = ContractCatalog.load(Path.of(args[1])).latest(args[2]).orElseThrow();
        // The settings of the test that runs it (BackfillOnBrokerTest): the rerun in the test JVM must write the same dead letters.
        var gate = GateSettings.parse(Map.of("kafka.bootstrap.servers", args[3], "registry.url", args[4], "gate.hash-key", args[5],
                "privacy.encrypt-dead-letters", "false"));
        var options = new Backfill.Options(args[0], args[6], null, null, false);
        var summary = Backfill.run(contract, gate, args.length > 7 ? options.withChunkRows(Long.parseLong(args[7])) : options,
                (read, total, elapsed) -> System.err.println("backfill progress " + read + "/" + total));
        System.out.println("backfill done " + summary);
        System.exit(0);
    }
}
