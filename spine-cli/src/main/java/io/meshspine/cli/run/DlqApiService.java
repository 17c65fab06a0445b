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

    /** Serving erasures needs the gate's hash key (Silver holds the subject's hash): without it there is no endpoint. */
    static final io.meshspine.core.config.Setting<String> ERASURE_HASH_KEY = io.meshspine.gate.GateSettings.HASH_KEY.optionalFor(
            "For the workbench: set, it serves `POST /api/privacy/erasures` (admins) over `sink.lake`; unset, that endpoint answers 501.");

    @Override
    public ConfigDef definition() {
        java.util.List<io.meshspine.core.config.Setting<?>> own = new java.util.ArrayList<>(DlqSettings.ALL);
        own.add(io.meshspine.sink.SinkSettings.LAKE);
        own.add(ERASURE_HASH_KEY);
        return CommonSettings.define("dlq-api", own)
                .passingThrough(io.meshspine.sink.SinkSettings.HADOOP_PREFIX, "Passed to Hadoop with the prefix removed (e.g. `hadoop.fs.s3a.endpoint`).");
    }

    @Override
    public AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) {
        io.meshspine.dlq.DlqConfig dlq = DlqSettings.toDlqConfig(config);
        DlqWorkbench workbench = DlqWorkbench.open(dlq, contracts);
        io.meshspine.cli.privacy.WorkbenchErasures erasures = null;
        if (config.find(ERASURE_HASH_KEY).isPresent()) {
            erasures = io.meshspine.cli.privacy.WorkbenchErasures.open(workbench, config.get(io.meshspine.sink.SinkSettings.LAKE),
                    config.passThrough(io.meshspine.sink.SinkSettings.HADOOP_PREFIX),
                    config.get(ERASURE_HASH_KEY).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        DlqApiServer server = DlqApiServer.start(workbench, erasures);
        io.meshspine.cli.privacy.WorkbenchErasures opened = erasures;
        DlqDepthGauges gauges = DlqDepthGauges.start(workbench, metrics, config.get(DlqSettings.DEPTH_REFRESH));
        health.register("dlq-api", gauges);
        log.info("dlq api listening url={} erasures={}", server.url(), erasures != null);
        return () -> {
            gauges.close();
            server.close();
            workbench.close();
            if (opened != null) {
                opened.close();
            }
        };
    }
}
