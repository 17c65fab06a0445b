package io.meshspine.sink;

import org.apache.avro.generic.GenericRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code spine runs [--job J] [--since T] [--failed] [--slo-missed]}: the run history ({@code <lake>/ops/pipeline_runs}), newest first.
 * Every file, capture interval, gate interval, commit, replay and backfill that ended, with its counts and, for a
 * failed run, the reason.
 */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = "The run history (<lake>/ops/pipeline_runs, written by the sink from spine.lineage), newest first.")
public final class RunsCommand implements Callable<Integer> {

    @Option(names = "--lake", defaultValue = SinkConfig.DEFAULT_LAKE_ROOT, description = "Lake root: a path or a Hadoop URI (default ${DEFAULT-VALUE}).")
    String lake;
    @Option(names = "--job", description = "Only runs of jobs whose name contains this (e.g. file-lane, gate.payments, lake-sink.silver).")
    String job;
    @Option(names = "--since", description = "Only runs started since: an instant (2026-12-01T10:00:00Z) or a time ago (30m, 2h, 7d).")
    String since;
    @Option(names = "--failed", description = "Only runs that failed or were aborted.")
    boolean failed;
    @Option(names = "--slo-missed", description = "Only runs that missed their contract's SLOs (slo_state MISSED).")
    boolean sloMissed;
    @Option(names = "--limit", defaultValue = "50", description = "At most this many runs (default ${DEFAULT-VALUE}; 0: all).")
    int limit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Instant from;
        try {
            from = since == null ? Instant.MIN : since(since);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since " + since + ": " + e.getMessage());
        }
        RunHistory history = new RunHistory(lake, Map.of());
        List<GenericRecord> rows = new ArrayList<>();
        history.read(r -> {
            Instant started = micros((Long) r.get("started_at"));
            boolean jobMatches = job == null || r.get("job").toString().contains(job);
            boolean stateMatches = !failed || !"COMPLETE".equals(r.get("state").toString());
            boolean sloMatches = !sloMissed || r.get("slo_state") != null && "MISSED".equals(r.get("slo_state").toString());
            if (jobMatches && stateMatches && sloMatches && !started.isBefore(from)) {
                rows.add(r);
            }
        });
        if (rows.isEmpty()) {
            out.println("no runs in " + history.path() + (job == null && since == null && !failed && !sloMissed ? "" : " match")
                    + " (the sink writes them when lineage.transport=kafka or lineage.run-history=true)");
            out.flush();
            return 0;
        }
        rows.sort(Comparator.comparing((GenericRecord r) -> (Long) r.get("started_at")).reversed());
        List<GenericRecord> shown = limit > 0 && rows.size() > limit ? rows.subList(0, limit) : rows;
        out.printf("%-24s %8s  %-8s  %-12s  %-48s %8s %8s %6s  %-7s  %s%n", "started", "seconds", "state", "kind", "job", "in", "out", "dlq", "slo",
                "run id / error");
        for (GenericRecord r : shown) {
            Instant started = micros((Long) r.get("started_at"));
            Instant ended = micros((Long) r.get("ended_at"));
            Object error = r.get("error");
            Object slo = r.get("slo_state");
            out.printf("%-24s %8.1f  %-8s  %-12s  %-48s %8d %8d %6d  %-7s  %s%s%n", started.toString().substring(0, Math.min(23, started.toString().length())),
                    Duration.between(started, ended).toMillis() / 1000.0, r.get("state"), r.get("kind"), r.get("job"),
                    (Long) r.get("rows_in"), (Long) r.get("rows_out"), (Long) r.get("dead_lettered"), slo == null ? "UNKNOWN" : slo, r.get("run_id"),
                    error == null ? "" : "  " + error);
        }
        if (shown.size() < rows.size()) {
            out.println("(" + (rows.size() - shown.size()) + " older runs not shown; --limit 0 shows all)");
        }
        out.flush();
        return 0;
    }

    static Instant since(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return Instant.now().minus(io.meshspine.core.config.Setting.parseDuration(text));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("neither an instant (2026-12-01T10:00:00Z) nor a duration (30m, 2h, 7d)");
            }
        }
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }
}
