package io.meshspine.cli.run;

import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.KafkaStreamsOps;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;

/** The contract gate as a service; instances with the same application id share the raw topics' partitions. */
final class GateService implements SpineService {

    @Override
    public String name() {
        return "gate";
    }

    @Override
    public String description() {
        return "the contract gate: raw topics -> product topics or spine.dlq (Kafka Streams, exactly once)";
    }

    @Override
    public ConfigDef definition() {
        return GateSettings.DEFINITION;
    }

    @Override
    public AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) {
        ContractGateService gate = ContractGateService.start(GateSettings.parse(config), contracts, metrics.registry(),
                ProductTransform.NONE);
        health.register("gate", gate.healthCheck());
        KafkaStreamsOps.bindMetrics(metrics, gate.streams());
        return gate;
    }
}
