package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.CdcSettings;
import io.meshspine.ingest.file.FileLane;
import io.meshspine.ingest.file.FileLaneSettings;

import java.util.ArrayList;
import java.util.List;

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
                // The privacy keys are declared by the file lane's settings (one declaration for the service's two lanes).
                CdcLane cdc = CdcLane.start(CdcSettings.toCdcConfig(config).withPrivacy(io.meshspine.core.privacy.PrivacySettings.parse(config)),
                        contracts, metrics.registry(),
                        io.meshspine.core.lineage.LineageSettings.toConfig(config));
                lanes.add(cdc);
                StageHealth.registerCdc(health, cdc);
            }
            if (config.get(FileLaneSettings.ENABLED) && contracts.contracts().stream().anyMatch(c -> c.lane() == Lane.FILE)) {
                FileLane files = FileLane.start(FileLaneSettings.toFileLaneConfig(config), contracts, metrics.registry());
                lanes.add(files);
                StageHealth.registerFileLane(health, files);
            }
        } catch (RuntimeException e) {
            closeAll(lanes);
            throw e;
        }
        return () -> closeAll(lanes);
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
