package io.meshspine.cli.chaos;

import io.meshspine.core.deadletter.FailureType;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a chaos run handed the spine, as the sources saw it acknowledged: per product (contract id), the business keys
 * that must end up in Silver (event and file lanes; the CDC tables' truth is the databases at the end), the bad records
 * sent by kind with the failure type each must be dead-lettered with, and the re-deliveries that must not show twice.
 */
final class Ledger {

    /** A kind of bad record and the dead-letter failure type it must get. */
    record BadKind(String name, FailureType expected) {
    }

    private final Map<String, Set<String>> goodKeys = new ConcurrentHashMap<>();
    private final Map<String, Map<BadKind, Long>> bad = new ConcurrentHashMap<>();
    private final Map<String, Long> redelivered = new ConcurrentHashMap<>();

    synchronized void good(String contract, String key) {
        goodKeys.computeIfAbsent(contract, c -> new LinkedHashSet<>()).add(key);
    }

    synchronized void bad(String contract, BadKind kind) {
        bad.computeIfAbsent(contract, c -> new TreeMap<>(java.util.Comparator.comparing(BadKind::name))).merge(kind, 1L, Long::sum);
    }

    void redelivered(String contract, long n) {
        redelivered.merge(contract, n, Long::sum);
    }

    synchronized Set<String> goodKeys(String contract) {
        return Set.copyOf(goodKeys.getOrDefault(contract, Set.of()));
    }

    synchronized Map<BadKind, Long> badSent(String contract) {
        return Map.copyOf(bad.getOrDefault(contract, Map.of()));
    }

    /** Bad records sent per expected failure type. */
    synchronized Map<FailureType, Long> badByFailureType(String contract) {
        Map<FailureType, Long> byType = new EnumMap<>(FailureType.class);
        bad.getOrDefault(contract, Map.of()).forEach((k, n) -> byType.merge(k.expected(), n, Long::sum));
        return byType;
    }

    long redelivered(String contract) {
        return redelivered.getOrDefault(contract, 0L);
    }
}
