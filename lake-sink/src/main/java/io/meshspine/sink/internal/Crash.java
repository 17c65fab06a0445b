package io.meshspine.sink.internal;

import io.meshspine.sink.CrashPoint;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** The fault-injection hook of {@link CrashPoint}: halts the process at the configured point, after N commits. */
final class Crash {

    private static final Optional<CrashPoint> POINT = CrashPoint.configured();
    private static final long AFTER = CrashPoint.commitsBeforeCrash();
    private static final AtomicLong COMMITS = new AtomicLong();

    private Crash() {
    }

    static void at(CrashPoint point) {
        if (POINT.isPresent() && POINT.get() == point && COMMITS.get() >= AFTER) {
            LoggerFactory.getLogger(Crash.class).warn("halting at crash point {} after {} commits, as configured", point, COMMITS.get());
            Runtime.getRuntime().halt(CrashPoint.EXIT_STATUS);
        }
    }

    static void committed() {
        COMMITS.incrementAndGet();
    }
}
