package io.meshspine.cli.chaos;

import java.time.Duration;

/**
 * One fault of a chaos run and how the spine came back: from the fault's end (the killed service started again, the
 * broker restarted, the registry reachable again) until the stages' {@code /health/ready} answered 200, and until
 * records flowed again through the stage. A null duration: it did not happen within the run's patience.
 */
record Recovery(int number, String fault, String target, Duration outage, Duration healthy, Duration flowing) {

    boolean recovered() {
        return healthy != null && flowing != null;
    }

    static String seconds(Duration d) {
        return d == null ? "never" : String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
