package io.meshspine.dlq;

import java.util.Objects;

/**
 * A replay: which dead letters, whether for real, and how.
 *
 * @param targetTopic     null: each dead letter's original raw topic
 * @param maxRecords      at most this many are published or parked (0: no limit)
 * @param recordsPerSecond publication rate limit (0: none)
 * @param force           also replay dead letters another job replayed already (never twice by the same job)
 * @param job             the job's id: a restarted job with the same id resumes where it stopped, and fences the one it
 *                        replaces; null derives it from the request, so running the same command again resumes it
 */
public record ReplayRequest(DeadLetterFilter filter, boolean dryRun, String targetTopic, int maxRecords, double recordsPerSecond,
                            boolean force, String job) {

    public ReplayRequest {
        Objects.requireNonNull(filter, "filter");
        if (maxRecords < 0) {
            throw new IllegalArgumentException("max records must be 0 (no limit) or more, was " + maxRecords);
        }
        if (recordsPerSecond < 0) {
            throw new IllegalArgumentException("records per second must be 0 (no limit) or more, was " + recordsPerSecond);
        }
    }

    /** A dry run of the filter's dead letters to their own topics: what stewards see first. */
    public static ReplayRequest dryRun(DeadLetterFilter filter) {
        return new ReplayRequest(filter, true, null, 0, 0, false, null);
    }

    public ReplayRequest forReal() {
        return new ReplayRequest(filter, false, targetTopic, maxRecords, recordsPerSecond, force, job);
    }

    public ReplayRequest withJob(String id) {
        return new ReplayRequest(filter, dryRun, targetTopic, maxRecords, recordsPerSecond, force, id);
    }

    public ReplayRequest withRate(double perSecond) {
        return new ReplayRequest(filter, dryRun, targetTopic, maxRecords, perSecond, force, job);
    }

    public ReplayRequest withMaxRecords(int max) {
        return new ReplayRequest(filter, dryRun, targetTopic, max, recordsPerSecond, force, job);
    }

    public ReplayRequest withForce(boolean f) {
        return new ReplayRequest(filter, dryRun, targetTopic, maxRecords, recordsPerSecond, f, job);
    }

    public ReplayRequest withTargetTopic(String topic) {
        return new ReplayRequest(filter, dryRun, topic, maxRecords, recordsPerSecond, force, job);
    }
}
