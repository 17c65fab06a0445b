package io.meshspine.dlq;

/** Told after each committed batch of a replay: how far it is. Long replays print it; the HTTP API logs it. */
@FunctionalInterface
public interface ReplayProgress {

    ReplayProgress NONE = (done, total) -> { };

    void committed(int done, int total);
}
