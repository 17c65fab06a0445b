package io.meshspine.core.ops;

import java.util.Objects;

/**
 * One component's view of its own health, asked on every probe. It must be cheap and must not block (read a
 * state field a listener keeps up to date, never a network round-trip): probes run on the ops server's threads.
 */
@FunctionalInterface
public interface HealthCheck {

    Result check();

    /**
     * {@code DOWN} means "not ready yet or any more, but alive" (starting, rebalancing, broker unreachable);
     * {@code FAILED} means the component cannot recover by itself and the process should be restarted.
     */
    enum Status { UP, DOWN, FAILED }

    /** {@code detail} is shown on {@code /health}: keep it short and free of payloads, PII and secrets. */
    record Result(Status status, String detail) {

        public Result {
            Objects.requireNonNull(status, "status");
            detail = detail == null ? "" : detail;
        }

        public static Result up(String detail) {
            return new Result(Status.UP, detail);
        }

        public static Result down(String detail) {
            return new Result(Status.DOWN, detail);
        }

        public static Result failed(String detail) {
            return new Result(Status.FAILED, detail);
        }
    }
}
