package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.dlq.DlqApiServer;
import io.meshspine.dlq.DlqSettings;
import io.meshspine.dlq.DlqWorkbench;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/** The stewards' workbench as a service: the HTTP API and web page, plus the queue's depth and age as metrics. */
final class DlqApiService implements SpineService {

    private static final Logger log = LoggerFactory.getLogger(DlqApiService.class);

    @Override
    public String name() {
        return "dlq-api";
    }

    @Override
    public String description() {
        return "the stewards' workbench: HTTP API, OpenAPI document and web page over spine.dlq";
    }

    @Override
    public ConfigDef definition() {
        return CommonSettings.define("dlq-api", DlqSettings.ALL);
    }

    @Override
    public AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) {
        DlqWorkbench workbench = DlqWorkbench.open(DlqSettings.toDlqConfig(config), contracts);
        DlqApiServer server = DlqApiServer.start(workbench);
        DlqDepthGauges gauges = DlqDepthGauges.start(workbench, metrics, config.get(DlqSettings.DEPTH_REFRESH));
        health.register("dlq-api", gauges);
        log.info("dlq api listening url={}", server.url());
        return () -> {
            gauges.close();
            server.close();
            workbench.close();
        };
    }
}
