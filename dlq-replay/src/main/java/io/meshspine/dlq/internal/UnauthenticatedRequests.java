package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Requests without a valid token, per client address: a token bucket refuses the flood before it costs anything
 * (429), and instead of one audit entry each, the refusals are counted and summarised once a minute.
 */
public final class UnauthenticatedRequests {

    /** What a caller without a token gets. */
    public enum Verdict { REFUSE_401, THROTTLE_429 }

    /** Addresses tracked at most; beyond, the buckets start afresh (a spray of addresses is no worse than one). */
    private static final int MAX_ADDRESSES = 10_000;

    private final double burst;
    private final double perSecond;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private Map<String, long[]> counts = new TreeMap<>();
    private Instant windowStart;

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    public UnauthenticatedRequests(double burst, double perSecond, Clock clock) {
        this.burst = burst;
        this.perSecond = perSecond;
        this.clock = clock;
        this.windowStart = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    }

    /** Counts one request without a valid token from the address, and says whether it is answered 401 or throttled. */
    public Verdict refuse(String address) {
        long now = System.nanoTime();
        if (buckets.size() > MAX_ADDRESSES) {
            buckets.clear();
        }
        Bucket b = buckets.computeIfAbsent(address, a -> new Bucket(burst, now));
        boolean admitted;
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.refilledAt) / 1e9 * perSecond);
            b.refilledAt = now;
            admitted = b.tokens >= 1;
            if (admitted) {
                b.tokens -= 1;
            }
        }
        Verdict verdict = admitted ? Verdict.REFUSE_401 : Verdict.THROTTLE_429;
        synchronized (this) {
            counts.computeIfAbsent(address, a -> new long[2])[verdict.ordinal()]++;
        }
        return verdict;
    }

    /** Hands the counts since the last flush to {@code summary} (none: nothing), and starts a new window. */
    public void flush(Consumer<ObjectNode> summary) {
        Map<String, long[]> window;
        Instant from;
        synchronized (this) {
            window = counts;
            from = windowStart;
            counts = new TreeMap<>();
            windowStart = clock.instant();
        }
        if (window.isEmpty()) {
            return;
        }
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("from", from.toString()).put("to", clock.instant().toString());
        ObjectNode by = n.putObject("by_address");
        long refused = 0;
        long throttled = 0;
        for (Map.Entry<String, long[]> e : window.entrySet()) {
            by.putObject(e.getKey()).put("refused_401", e.getValue()[0]).put("throttled_429", e.getValue()[1]);
            refused += e.getValue()[0];
            throttled += e.getValue()[1];
        }
        n.put("refused_401", refused).put("throttled_429", throttled);
        summary.accept(n);
    }
}
