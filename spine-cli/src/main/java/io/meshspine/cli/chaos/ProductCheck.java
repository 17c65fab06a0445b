package io.meshspine.cli.chaos;

import io.meshspine.core.deadletter.FailureType;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One product at the end of a chaos run: what Silver must hold against what it holds, and the dead letters by failure
 * type against the bad records sent. {@code expected} maps each business key to the values Silver must show (empty
 * text for the event and file lanes, where the key is the check; the CDC tables' columns for them).
 */
record ProductCheck(String contract, String lane, long expected, long silverRows, long lost, long duplicated, long unexpected,
                    long mismatched, List<DeadLetters> deadLetters, List<String> examples) {

    /** The dead letters of one failure type: bad records sent, distinct records dead-lettered, dead letters. */
    record DeadLetters(FailureType type, long sent, long records, long letters) {
        long missing() {
            return Math.max(0, sent - records);
        }

        long extra() {
            return Math.max(0, records - sent);
        }

        long repeated() {
            return letters - records;
        }

        boolean ok() {
            return sent == records && letters == records;
        }
    }

    static ProductCheck of(String contract, String lane, Map<String, String> expected, List<List<String>> silver,
                           Map<FailureType, Long> badSent, Map<FailureType, DeadLetterTally.Count> dead) {
        Map<String, String> present = new HashMap<>();
        long duplicated = 0;
        for (List<String> row : silver) {
            String value = String.join("|", row.subList(1, row.size()));
            if (present.put(row.get(0), value) != null) {
                duplicated++;
            }
        }
        Set<String> lost = new HashSet<>(expected.keySet());
        lost.removeAll(present.keySet());
        Set<String> unexpected = new HashSet<>(present.keySet());
        unexpected.removeAll(expected.keySet());
        long mismatched = expected.entrySet().stream()
                .filter(e -> present.containsKey(e.getKey()) && !e.getValue().equals(present.get(e.getKey()))).count();
        List<String> examples = new ArrayList<>();
        lost.stream().sorted().limit(3).forEach(k -> examples.add("lost " + k));
        unexpected.stream().sorted().limit(3).forEach(k -> examples.add("unexpected " + k + " = " + present.get(k)));
        expected.entrySet().stream().filter(e -> present.containsKey(e.getKey()) && !e.getValue().equals(present.get(e.getKey())))
                .limit(3).forEach(e -> examples.add("mismatch " + e.getKey() + ": source " + e.getValue() + ", silver " + present.get(e.getKey())));
        EnumSet<FailureType> types = EnumSet.noneOf(FailureType.class);
        types.addAll(badSent.keySet());
        types.addAll(dead.keySet());
        List<DeadLetters> letters = types.stream().map(t -> new DeadLetters(t, badSent.getOrDefault(t, 0L),
                dead.containsKey(t) ? dead.get(t).records() : 0, dead.containsKey(t) ? dead.get(t).letters() : 0)).toList();
        return new ProductCheck(contract, lane, expected.size(), silver.size(), lost.size(), duplicated, unexpected.size(), mismatched,
                letters, examples);
    }

    /** Silver holds exactly what it must, once each, and every bad record is dead-lettered once with the right type. */
    boolean passed() {
        return lost == 0 && duplicated == 0 && unexpected == 0 && mismatched == 0 && deadLetters.stream().allMatch(DeadLetters::ok);
    }

    /** Whether Silver already holds everything expected (the run waits for this before its final check). */
    boolean caughtUp() {
        return lost == 0 && mismatched == 0 && unexpected == 0 && deadLetters.stream().allMatch(d -> d.missing() == 0);
    }

    String deadLettersText() {
        if (deadLetters.isEmpty()) {
            return "none sent, none";
        }
        return deadLetters.stream().map(d -> d.type().name() + " " + d.records() + "/" + d.sent()
                        + (d.repeated() > 0 ? " (+" + d.repeated() + " repeated)" : ""))
                .collect(Collectors.joining(", "));
    }
}
