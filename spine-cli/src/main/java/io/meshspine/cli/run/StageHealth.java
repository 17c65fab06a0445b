package io.meshspine.cli.run;

import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.HealthCheck;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.file.FileLane;
import io.meshspine.sink.SinkService;

/**
 * The health check of each pipeline stage, one per stage and one per CDC capture, so that {@code /health} names the
 * stage that is not ready: the same checks in {@code ./spine run <service>} and in {@code ./spine demo}.
 */
public final class StageHealth {

    private StageHealth() {
    }

    /** One check per captured table, {@code cdc.<domain>.<dataset>.v<major>}: a stopped table is named on its own. */
    public static void registerCdc(Health health, CdcLane lane) {
        for (String contract : lane.states().keySet()) {
            health.register("cdc." + contract, () -> capture(lane, contract));
        }
    }

    static HealthCheck.Result capture(CdcLane lane, String contract) {
        CaptureState state = lane.state(contract).orElse(CaptureState.STOPPED);
        return switch (state) {
            case RUNNING -> HealthCheck.Result.up(state.name());
            case STARTING -> HealthCheck.Result.down(state.name());
            // A transient fault the capture waits out by itself (its engine restarted with back-off): not ready, not failed.
            case RETRYING -> HealthCheck.Result.down(state.name() + lane.stopDetail(contract).filter(d -> !d.isBlank()).map(d -> ": " + d).orElse(""));
            // A stopped capture needs an operator (a new contract version, the database back); the process itself is fine.
            case STOPPED_INCOMPATIBLE, FAILED, STOPPED ->
                    HealthCheck.Result.failed(state.name() + lane.stopDetail(contract).filter(d -> !d.isBlank()).map(d -> ": " + d).orElse(""));
        };
    }

    public static void registerFileLane(Health health, FileLane files) {
        health.register("file-lane", () -> switch (files.state()) {
            case CLOSED, FENCED -> HealthCheck.Result.failed(files.state().name());
            case BACKING_OFF -> HealthCheck.Result.down(files.state().name());
            case READY, POLLING -> HealthCheck.Result.up(files.state().name());
        });
    }

    public static void registerSink(Health health, SinkService sink) {
        health.register("sink", () -> switch (sink.state()) {
            case RUNNING -> HealthCheck.Result.up(sink.state().name());
            case FAILED -> HealthCheck.Result.failed(sink.state().name());
            default -> HealthCheck.Result.down(sink.state().name());
        });
    }

    /** A stage the demo could not start: not ready, and why. */
    public static void registerOff(Health health, String stage, String why) {
        health.register(stage, () -> HealthCheck.Result.down("off: " + why));
    }
}
