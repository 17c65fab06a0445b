package io.meshspine.dlq.internal;

import io.meshspine.dlq.Arrivals;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Scope;
import io.meshspine.dlq.Steward;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Arrivals over the last day or week from the index's time order: read newest first and stopped at the window's
 * start, so the work is the window's dead letters, not the queue's. Within the caller's domains like every view.
 */
public final class ArrivalsView {

    private final QueueReader reader;
    private final AccessPolicy policy;
    private final Clock clock;

    public ArrivalsView(QueueReader reader, AccessPolicy policy, Clock clock) {
        this.reader = reader;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * The filter's dead letters (any status unless it names one: a dead letter dealt with still arrived) that arrived
     * in the window, per bucket and rule. A {@code where} filter is refused: it would fetch every payload of the window.
     */
    public Arrivals arrivals(Arrivals.Window window, DeadLetterFilter filter, Steward who) {
        policy.require(who, Role.VIEWER, "arrivals");
        if (filter.needsPayload()) {
            throw new IllegalArgumentException("arrivals are counted from the index: where is not allowed here (filter by contract, rule, "
                    + "failure-type, source-topic or status)");
        }
        reader.refresh();
        long size = window.bucket().toSeconds();
        long now = clock.instant().getEpochSecond();
        int n = (int) (window.length().toSeconds() / size);
        long end = (now / size + 1) * size;
        long start = end - (long) n * size;
        List<Map<String, Long>> byRule = new ArrayList<>(n);
        long[] totals = new long[n];
        for (int i = 0; i < n; i++) {
            byRule.add(new HashMap<>());
        }
        boolean[] narrowed = {false};
        Instant endAt = Instant.ofEpochSecond(end);
        // newest first from the window's end: an entry dated after it (a clock ahead) is skipped, the first before its start ends the read
        reader.byTime(true, endAt, "", e -> {
            long at = e.deadLetteredAt().getEpochSecond();
            if (at < start) {
                return false;
            }
            if (!filter.matches(e)) {
                return true;
            }
            if (!policy.maySee(who, e.contract(), e.sourceTopic())) {
                narrowed[0] = true;
                return true;
            }
            int i = (int) ((at - start) / size);
            totals[i]++;
            for (String rule : e.ruleIds().isEmpty() ? List.of("[" + e.failureType().name() + "]") : e.ruleIds()) {
                byRule.get(i).merge(rule, 1L, Long::sum);
            }
            return true;
        });
        List<Arrivals.Bucket> buckets = new ArrayList<>(n);
        long total = 0;
        for (int i = 0; i < n; i++) {
            buckets.add(new Arrivals.Bucket(Instant.ofEpochSecond(start + i * size), totals[i], byRule.get(i)));
            total += totals[i];
        }
        Scope scope = new Scope(who.allDomains() ? Set.of(Steward.ALL_DOMAINS) : who.domains(), narrowed[0]);
        return new Arrivals(window, Instant.ofEpochSecond(start), endAt, buckets, total, scope);
    }
}
