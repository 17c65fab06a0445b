package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.HealthCheck;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.CdcSettings;
import io.meshspine.ingest.file.FileLane;
import io.meshspine.ingest.file.FileLaneSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The lanes that bring data in: CDC (Debezium, one engine per table) and the file lane (the landing area). */
final class IngestService implements SpineService {

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public String description() {
        return "the CDC lane (PostgreSQL, MariaDB) and the file lane (CSV, JSON Lines) into raw topics";
    }

    @Override
    public ConfigDef definition() {
        List<Setting<?>> own = new ArrayList<>(CdcSettings.ALL);
        own.addAll(FileLaneSettings.ALL);
        return CommonSettings.define("ingest", own);
    }

    @Override
    public AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) {
        List<AutoCloseable> lanes = new ArrayList<>();
        try {
            if (config.get(CdcSettings.ENABLED) && contracts.contracts().stream().anyMatch(c -> c.lane() == Lane.CDC)) {
                CdcLane cdc = CdcLane.start(CdcSettings.toCdcConfig(config), contracts, metrics.registry());
                lanes.add(cdc);
                health.register("cdc", () -> cdcHealth(cdc.states()));
            }
            if (config.get(FileLaneSettings.ENABLED) && contracts.contracts().stream().anyMatch(c -> c.lane() == Lane.FILE)) {
                FileLane files = FileLane.start(FileLaneSettings.toFileLaneConfig(config), contracts, metrics.registry());
                lanes.add(files);
                health.register("file-lane", () -> switch (files.state()) {
                    case CLOSED, FENCED -> HealthCheck.Result.failed(files.state().name());
                    case BACKING_OFF -> HealthCheck.Result.down(files.state().name());
                    default -> HealthCheck.Result.up(files.state().name());
                });
            }
        } catch (RuntimeException e) {
            closeAll(lanes);
            throw e;
        }
        return () -> closeAll(lanes);
    }

    /** Ready while every table is captured; a stopped table (incompatible change, failure) is an operator's matter. */
    private static HealthCheck.Result cdcHealth(Map<String, CaptureState> states) {
        String detail = states.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
        boolean stopped = states.values().stream().anyMatch(s -> s == CaptureState.FAILED || s == CaptureState.STOPPED_INCOMPATIBLE);
        boolean starting = states.values().stream().anyMatch(s -> s == CaptureState.STARTING);
        return stopped ? HealthCheck.Result.failed(detail) : starting ? HealthCheck.Result.down(detail) : HealthCheck.Result.up(detail);
    }

    private static void closeAll(List<AutoCloseable> lanes) {
        for (int i = lanes.size() - 1; i >= 0; i--) {
            try {
                lanes.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(IngestService.class).warn("lane did not close cleanly problem={}", e.toString());
            }
        }
    }
}
