package io.meshspine.sink;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code spine lake tables|compact|checkpoint|vacuum}: the lake's tables and their upkeep, from the command line.
 * Tables are named as the sink names them ({@code silver/payments/transactions_v1}); none named means all.
 */
@Command(name = "lake", mixinStandardHelpOptions = true,
        description = "Delta tables of the lake: list them, compact, checkpoint, vacuum, reset their Kafka offsets, backfill Silver from Bronze.",
        subcommands = {LakeCommand.Tables.class, LakeCommand.Compact.class, LakeCommand.Checkpoint.class, LakeCommand.VacuumCommand.class,
                LakeCommand.ResetOffsets.class, LakeCommand.BackfillCommand.class})
public final class LakeCommand implements Runnable {

    @Option(names = "--lake", defaultValue = SinkConfig.DEFAULT_LAKE_ROOT, description = "Lake root: a path or a Hadoop URI (default ${DEFAULT-VALUE}).")
    String lake;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    List<String> tablesOrAll(List<String> named) {
        return named == null || named.isEmpty() ? LakeTables.list(lake, Map.of()) : named;
    }

    @Command(name = "tables", description = "Every table under the lake root with its row count (from the Delta log's stats).")
    static final class Tables implements Callable<Integer> {
        @ParentCommand
        LakeCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Map<String, Long> counts = LakeTables.rowCounts(parent.lake, Map.of());
            if (counts.isEmpty()) {
                out.println("no tables under " + parent.lake);
            }
            counts.forEach((table, rows) -> out.printf("%-60s %,d rows%n", table, rows));
            out.flush();
            return 0;
        }
    }

    /** What compact, checkpoint and vacuum share: the tables named (or all of them), one report line each. */
    abstract static class PerTable implements Callable<Integer> {
        @ParentCommand
        LakeCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(arity = "0..*", paramLabel = "TABLE")
        List<String> tables;

        /** The operation on one table, as a line of the report. */
        abstract String run(String tablePath);

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (String table : parent.tablesOrAll(tables)) {
                out.printf("%s: %s%n", table, run(LakeTables.path(parent.lake, table)));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "compact", description = "Bin-pack small files into target-size files (dataChange=false).")
    static final class Compact extends PerTable {
        @Option(names = "--target-size-mb", defaultValue = "128", description = "Target file size in MB (default ${DEFAULT-VALUE}).")
        long targetMb;

        @Override
        String run(String tablePath) {
            Maintenance.Compaction c = Maintenance.compact(tablePath, targetMb * 1024 * 1024, Map.of());
            var t = Maintenance.compactTombstones(tablePath, Map.of());
            return (c.version() < 0 ? "nothing to compact"
                    : c.filesRemoved() + " files into " + c.filesAdded() + " (" + c.rows() + " rows), version " + c.version())
                    + (t.version() < 0 ? "" : "; tombstones: " + t.kept() + " kept, " + t.dropped() + " dropped (expired or superseded)");
        }
    }

    @Command(name = "checkpoint", description = "Write a checkpoint of each table's latest version.")
    static final class Checkpoint extends PerTable {
        @Override
        String run(String tablePath) {
            return "checkpoint at version " + Maintenance.checkpoint(tablePath, Map.of());
        }
    }

    @Command(name = "vacuum", description = "Delete files no version within the retention references (orphans of failed attempts included).")
    static final class VacuumCommand extends PerTable {
        @Option(names = "--retention", defaultValue = "P7D", description = "History to keep, ISO-8601 (P7D, PT24H; default ${DEFAULT-VALUE}).")
        Duration retention;
        @Option(names = "--no-writer-running", description = "Allow a retention under 1 hour: only safe when no sink writes the tables.")
        boolean noWriterRunning;

        @Override
        String run(String tablePath) {
            Maintenance.Vacuum v = noWriterRunning ? Maintenance.vacuumWithNoWriterRunning(tablePath, retention, Map.of())
                    : Maintenance.vacuum(tablePath, retention, Map.of());
            return String.format("deleted %d files (%,d bytes)", v.filesDeleted(), v.bytesDeleted());
        }
    }

    @Command(name = "reset-offsets", description = "Where a table goes on reading its topic after an offset gap (records deleted"
            + " unread, a recreated topic, a table ahead of its topic): recorded in the Delta commit info.")
    static final class ResetOffsets implements Callable<Integer> {
        @ParentCommand
        LakeCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--table", required = true, description = "The table, as the sink names it (silver/payments/transactions_v1).")
        String table;
        @Option(names = "--to", required = true, description = "earliest (read what the topic still holds), latest (skip to its end)"
                + " or an offset (the next one to read).")
        String to;
        @Option(names = "--partition", split = ",", description = "Only these partitions (default: all of the topic's).")
        List<Integer> partitions;
        @Option(names = "--bootstrap-servers", paramLabel = "<host:port>",
                defaultValue = "${env:SPINE_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
                description = "Kafka cluster (default: $SPINE_KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
        String bootstrapServers;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            OffsetReset.Result r = OffsetReset.reset(LakeTables.path(parent.lake, table), bootstrapServers, OffsetReset.Target.parse(to),
                    partitions == null ? List.of() : partitions, Map.of());
            for (OffsetReset.Moved m : r.partitions()) {
                out.printf("%s %s-%d: held up to %d, next read %d%n", table, r.topic(), m.partition(), m.previous(), m.next());
            }
            out.printf("recorded in version %d%n", r.version());
            out.flush();
            return 0;
        }
    }

    @Command(name = "backfill", description = {"Rebuild a contract's Silver table from a fixed snapshot of its Bronze table, through the"
            + " gate's decision code and the contract as they are now, into a new table (one Delta commit at the end).",
            "Resumable: run the same command again after a crash and it goes on after the last committed chunk.",
            "Records the contract refuses become dead letters with stage=backfill on spine.dlq.",
            "Exit codes: 0 done, 2 bad arguments or configuration (the message names the key), 1 failed."})
    static final class BackfillCommand implements Callable<Integer> {
        @ParentCommand
        LakeCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "<contract>", description = "e.g. payments.transactions.v1 (or without .v<major>: the newest).")
        String contractId;
        @Option(names = "--from", paramLabel = "<instant|version>", description = "Only what Bronze received after this version (or instant).")
        String from;
        @Option(names = "--to", paramLabel = "<instant|version>", description = "The Bronze version (or the version as of an instant) read: the fixed input (default: the latest).")
        String to;
        @Option(names = "--into", paramLabel = "<table path>", description = "The new table (default: beside the live one, <name>_backfill_<time of the Bronze version>).")
        String into;
        @Option(names = "--replace", description = "Replace the live table's content in one Delta commit while the sink keeps writing"
                + " (the sink's next commits apply on top: none lost, none doubled; needs the live gate running, see the README).")
        boolean replace;
        @Option(names = "--gate-wait", defaultValue = "PT2M", paramLabel = "<duration>", description = "With --replace: how long to wait"
                + " for the live gate to pass the Bronze snapshot (ISO-8601, default ${DEFAULT-VALUE}).")
        Duration gateWait;
        @Option(names = "--dry-run", description = "Decide every record and count the outcomes; write no Parquet, no dead letter.")
        boolean dryRun;
        @Option(names = "--workers", defaultValue = "0", paramLabel = "<n>", description = "Threads deciding records (default 0: one per"
                + " core); Bronze is read in source order and handed to them by raw key through bounded queues.")
        int workers;
        @Option(names = "--chunk-rows", defaultValue = "" + Backfill.DEFAULT_CHUNK_ROWS, paramLabel = "<rows>", description = "Bronze rows"
                + " per chunk (consecutive files, at least one each; default ${DEFAULT-VALUE}): the unit a rerun resumes from, and of"
                + " the Silver files (one per partition value, chunk and worker).")
        long chunkRows;
        @Option(names = "--memory-rows", defaultValue = "" + Backfill.DEFAULT_MEMORY_ROWS, paramLabel = "<rows>", description = "The memory"
                + " bound: upsert changes held in memory (all workers) before they spill to java.io.tmpdir, and an eighth of the dedup"
                + " identities held (default ${DEFAULT-VALUE}: about 128 MB of rows and a 32 MB table; fits -Xmx512m at any Bronze size).")
        int memoryRows;
        @Option(names = "--gate-config", paramLabel = "<file>", description = "The gate's settings file (its hash key masks and identifies"
                + " as in production; registry and Kafka from it), SPINE_* variables over it, as `./spine run gate --config` reads them.")
        java.nio.file.Path gateConfig;
        @Option(names = "--contracts-dir", paramLabel = "<dir>", description = "Contracts to use (default: the gate config's contracts.dir, else the built-in ones).")
        java.nio.file.Path contractsDir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            io.meshspine.gate.GateConfig gate;
            io.meshspine.core.contract.ContractCatalog catalog;
            try {
                io.meshspine.core.config.SpineConfig settings = io.meshspine.gate.GateSettings.DEFINITION.load(gateConfig, System.getenv());
                gate = io.meshspine.gate.GateSettings.parse(settings);
                java.nio.file.Path dir = contractsDir != null ? contractsDir : settings.find(io.meshspine.core.config.CommonSettings.CONTRACTS_DIR).orElse(null);
                catalog = dir == null ? io.meshspine.core.contract.ContractCatalog.fromClasspath() : io.meshspine.core.contract.ContractCatalog.load(dir);
            } catch (io.meshspine.core.config.ConfigException e) {
                err.println("backfill: " + e.getMessage());
                err.flush();
                return 2;
            }
            java.util.Optional<io.meshspine.core.contract.Contract> contract = find(catalog, contractId);
            if (contract.isEmpty()) {
                err.println("backfill: no contract " + contractId);
                err.flush();
                return 2;
            }
            String name = contract.get().qualifiedName();
            if (replace && (into != null || from != null || dryRun)) {
                err.println("backfill: --replace rebuilds the live table whole: not with --into, --from or --dry-run");
                err.flush();
                return 2;
            }
            try {
                io.meshspine.sink.internal.BackfillJob.Summary s = Backfill.run(contract.get(), gate,
                        (replace ? Backfill.Options.replacing(parent.lake, to, gateWait) : new Backfill.Options(parent.lake, into, from, to, dryRun))
                                .withWorkers(workers).withChunkRows(chunkRows).withMemoryRows(memoryRows),
                        (read, total, elapsed) -> {
                            double rate = elapsed.toNanos() == 0 ? 0 : read / (elapsed.toNanos() / 1e9);
                            long eta = rate <= 0 ? 0 : (long) ((total - read) / rate);
                            err.printf("backfill %s: %,d / %,d rows (%.0f%%), %,.0f rows/s, ETA %ds%n", name, read, total,
                                    total == 0 ? 100.0 : 100.0 * read / total, rate, eta);
                            err.flush();
                        });
                out.printf("%s%s of %s from Bronze version %d: read %,d, passed %,d, dead-lettered %,d (stage=backfill), duplicates %,d,"
                                + " Silver rows %,d%s in %.1f s (%,.0f rows/s, %d workers%s)%n", s.dryRun() ? "dry run " : "backfill ", name,
                        s.target(), s.bronzeVersion(), s.rowsRead(), s.passed(), s.deadLettered(), s.duplicates(), s.silverRows(),
                        s.dryRun() ? " (would be written)" : " in " + s.files() + " files, table version " + s.tableVersion()
                                + (s.chunksResumed() > 0 ? ", " + s.chunksResumed() + " chunks resumed" : ""),
                        s.took().toNanos() / 1e9, s.rowsPerSecond(), s.workers(), s.spills() > 0 ? ", " + s.spills() + " spills to disk" : "");
                if (!s.nowPassing().isEmpty()) {
                    out.printf("%,d earlier gate dead letters of %s now pass%s; resolve them with: ./spine dlq resolve --contract %s"
                                    + " --reason backfilled --id %s%s%n", s.nowPassing().size(), name, s.dryRun() ? " (would)" : "",
                            name, String.join(" --id ", s.nowPassing().subList(0, Math.min(5, s.nowPassing().size()))),
                            s.nowPassing().size() > 5 ? " ..." : "");
                }
                out.flush();
                return 0;
            } catch (IllegalArgumentException | IllegalStateException e) {
                err.println("backfill: " + e.getMessage());
                err.flush();
                return 2;
            }
        }

        private static java.util.Optional<io.meshspine.core.contract.Contract> find(io.meshspine.core.contract.ContractCatalog catalog, String id) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.+)\\.v(\\d+)").matcher(id);
            return m.matches() ? catalog.find(m.group(1), Integer.parseInt(m.group(2))) : catalog.latest(id);
        }
    }
}
