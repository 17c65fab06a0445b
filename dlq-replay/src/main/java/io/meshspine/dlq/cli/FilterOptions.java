package io.meshspine.dlq.cli;

import io.meshspine.core.deadletter.FailureType;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterStatus;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The filter options every {@code spine dlq} command shares; parsed by {@link DeadLetterFilter#parse}, as the HTTP API's. */
final class FilterOptions {

    /** The options as help lists them, from the filter's own parameter names. */
    static final String NAMES = DeadLetterFilter.PARAMETERS.stream().map(p -> "--" + p).collect(Collectors.joining(", "));

    /** Failure types as help shows them: built from the enum, so the text cannot drift. */
    static final class FailureTypes extends ArrayList<String> {
        FailureTypes() {
            super(Arrays.stream(FailureType.values()).map(Enum::name).toList());
        }
    }

    /** Statuses as help shows them (lower case, as the filter reads them), plus {@code any}. */
    static final class Statuses extends ArrayList<String> {
        Statuses() {
            super(Stream.concat(Arrays.stream(DeadLetterStatus.values()).map(s -> s.name().toLowerCase(Locale.ROOT)), Stream.of("any")).toList());
        }
    }

    @Option(names = "--failure-type", paramLabel = "<type>", completionCandidates = FailureTypes.class,
            description = "One of ${COMPLETION-CANDIDATES}.")
    String failureType;

    @Option(names = "--rule", paramLabel = "<rule-id>", description = "Dead letters that broke this rule.")
    String rule;

    @Option(names = "--contract", paramLabel = "<contract>", description = "e.g. payments.transactions.v1 (or without .v<major>).")
    String contract;

    @Option(names = "--source-topic", paramLabel = "<topic>", description = "The raw topic the record came from.")
    String sourceTopic;

    @Option(names = "--from", paramLabel = "<instant>", description = "Dead-lettered at or after (ISO-8601, e.g. 2026-03-01T10:00:00Z).")
    String from;

    @Option(names = "--to", paramLabel = "<instant>", description = "Dead-lettered before.")
    String to;

    @Option(names = "--key", paramLabel = "<key>", description = "The record key (a one-field key's value, or the key as JSON).")
    String key;

    @Option(names = "--correlation-id", paramLabel = "<id>")
    String correlationId;

    @Option(names = "--replay-count", paramLabel = "<n>", description = "Dead letters replayed exactly n times before.")
    String replayCount;

    @Option(names = "--status", paramLabel = "<status>", completionCandidates = Statuses.class,
            description = "One of ${COMPLETION-CANDIDATES} (default active).")
    String status;

    @Option(names = "--id", paramLabel = "<dead-letter-id>", description = "One dead letter (<topic>/<partition>/<offset>); repeatable.")
    List<String> ids = new ArrayList<>();

    @Option(names = "--where", paramLabel = "<field=value>", description = "A top-level field of the decoded value equals this text; repeatable.")
    List<String> where = new ArrayList<>();

    @Option(names = "--stage", paramLabel = "<stage>", description = "Dead letters of this stage (gate, lake-sink, backfill, ...) or any;"
            + " by default every stage but backfill (a backfill's dead letters stay out of the live queue's views unless asked).")
    String stage;

    DeadLetterFilter filter() {
        Map<String, List<String>> p = new LinkedHashMap<>();
        put(p, "failure-type", failureType);
        put(p, "rule", rule);
        put(p, "contract", contract);
        put(p, "source-topic", sourceTopic);
        put(p, "from", from);
        put(p, "to", to);
        put(p, "key", key);
        put(p, "correlation-id", correlationId);
        put(p, "replay-count", replayCount);
        put(p, "status", status);
        put(p, "stage", stage);
        if (!ids.isEmpty()) {
            p.put("id", ids);
        }
        if (!where.isEmpty()) {
            p.put("where", where);
        }
        return DeadLetterFilter.parse(p);
    }

    private static void put(Map<String, List<String>> p, String name, String value) {
        if (value != null) {
            p.put(name, List.of(value));
        }
    }
}
