package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Dead letters by the time they arrived, per rule, over the last day or week: what the page's chart draws so a spike
 * after a deploy is seen. Buckets are aligned to their size (hours, or six hours from midnight UTC); the last one holds
 * now. A dead letter breaking two rules counts under each; one with no rule counts under its failure type in
 * brackets (e.g. {@code [DESERIALIZATION]}). {@code total} counts each dead letter once.
 */
public record Arrivals(Window window, Instant from, Instant to, List<Bucket> buckets, long total, Scope scope) {

    /** How far back the chart looks and how wide its bars are. */
    public enum Window {
        DAY("24h", Duration.ofDays(1), Duration.ofHours(1)),
        WEEK("7d", Duration.ofDays(7), Duration.ofHours(6));

        private final String label;
        private final Duration length;
        private final Duration bucket;

        Window(String label, Duration length, Duration bucket) {
            this.label = label;
            this.length = length;
            this.bucket = bucket;
        }

        public String label() {
            return label;
        }

        public Duration length() {
            return length;
        }

        public Duration bucket() {
            return bucket;
        }

        /** {@code 24h} (the default when absent) or {@code 7d}. */
        public static Window parse(String value) {
            if (value == null || value.isBlank()) {
                return DAY;
            }
            for (Window w : values()) {
                if (w.label.equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return w;
                }
            }
            throw new IllegalArgumentException("window: '" + value + "' is none of 24h, 7d");
        }
    }

    /** One bar: from {@code start} for the window's bucket size, the dead letters that arrived then, by rule. */
    public record Bucket(Instant start, long total, Map<String, Long> byRule) {
        public Bucket {
            byRule = Map.copyOf(byRule);
        }
    }

    public Arrivals {
        buckets = List.copyOf(buckets);
    }

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("window", window.label());
        n.put("bucket_seconds", window.bucket().toSeconds());
        n.put("from", from.toString());
        n.put("to", to.toString());
        n.put("total", total);
        var rules = n.putArray("rules");
        java.util.Set<String> all = new java.util.TreeSet<>();
        buckets.forEach(b -> all.addAll(b.byRule().keySet()));
        all.forEach(rules::add);
        var a = n.putArray("buckets");
        for (Bucket b : buckets) {
            ObjectNode o = a.addObject().put("start", b.start().toString()).put("total", b.total());
            ObjectNode by = o.putObject("by_rule");
            new TreeMap<>(b.byRule()).forEach(by::put);
        }
        n.set("scope", scope.toJson());
        return n;
    }
}
