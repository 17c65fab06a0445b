package io.meshspine.core.ops;

import io.meshspine.core.ops.HealthCheck.Result;
import io.meshspine.core.ops.HealthCheck.Status;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The named health checks of one service, and the two probes made from them.
 * <ul>
 *   <li>liveness: UP unless some check reports {@link Status#FAILED} (the process runs; nothing failed fatally);</li>
 *   <li>readiness: UP only when every check reports {@link Status#UP}.</li>
 * </ul>
 * With no checks registered both are UP, so register a component's check before starting it.
 */
public final class Health {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9._-]*");

    /** One probe's outcome; {@code status} is UP or DOWN. */
    public record Report(Status status, List<Check> checks) {

        public Report {
            checks = List.copyOf(checks);
        }

        public boolean up() {
            return status == Status.UP;
        }

        /** {@code {"status":"UP","checks":[{"name":"gate","status":"UP","detail":"RUNNING"}]}} */
        public String toJson() {
            StringBuilder json = new StringBuilder("{\"status\":\"").append(status).append("\",\"checks\":[");
            for (int i = 0; i < checks.size(); i++) {
                Check check = checks.get(i);
                if (i > 0) {
                    json.append(',');
                }
                json.append("{\"name\":");
                Json.string(json, check.name());
                json.append(",\"status\":\"").append(check.status()).append("\",\"detail\":");
                Json.string(json, check.detail());
                json.append('}');
            }
            return json.append("]}").toString();
        }
    }

    public record Check(String name, Status status, String detail) {
    }

    private final Map<String, HealthCheck> checks = new LinkedHashMap<>();

    /** Adds a check; names are unique per service and appear in the JSON, so they are simple lower-case ids. */
    public synchronized void register(String name, HealthCheck check) {
        Objects.requireNonNull(check, "check");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("health check name must be a lower-case id like 'gate', got '" + name + "'");
        }
        if (checks.putIfAbsent(name, check) != null) {
            throw new IllegalArgumentException("a health check named '" + name + "' is already registered");
        }
    }

    public synchronized void unregister(String name) {
        checks.remove(name);
    }

    /** UP unless a check FAILED; lists only the failed checks. */
    public Report liveness() {
        List<Check> all = runChecks();
        List<Check> failed = only(all, c -> c.status() == Status.FAILED);
        return new Report(failed.isEmpty() ? Status.UP : Status.DOWN, failed);
    }

    /** UP when every check is UP; lists only the checks that are not. */
    public Report readiness() {
        List<Check> notUp = only(runChecks(), c -> c.status() != Status.UP);
        return new Report(notUp.isEmpty() ? Status.UP : Status.DOWN, notUp);
    }

    /** Readiness with every check listed, for humans. */
    public Report details() {
        List<Check> all = runChecks();
        boolean allUp = all.stream().allMatch(c -> c.status() == Status.UP);
        return new Report(allUp ? Status.UP : Status.DOWN, all);
    }

    private List<Check> runChecks() {
        Map<String, HealthCheck> snapshot;
        synchronized (this) {
            snapshot = new LinkedHashMap<>(checks);
        }
        List<Check> results = new ArrayList<>(snapshot.size());
        snapshot.forEach((name, check) -> results.add(run(name, check)));
        return results;
    }

    private static Check run(String name, HealthCheck check) {
        try {
            Result result = check.check();
            if (result == null) {
                return new Check(name, Status.DOWN, "check returned no result");
            }
            return new Check(name, result.status(), result.detail());
        } catch (RuntimeException e) {
            // A throwing check is a bug in the check, not proof the component is dead: not ready, still alive.
            // Only the exception's type is shown; its message may carry connection strings or record content.
            return new Check(name, Status.DOWN, "check threw " + e.getClass().getName());
        }
    }

    private static List<Check> only(List<Check> checks, Predicate<Check> keep) {
        return checks.stream().filter(keep).toList();
    }
}
