package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.sink.LakeSink;
import io.meshspine.sink.SinkService;
import io.meshspine.sink.SinkSettings;

/** The lake sink as a service; instances in the same consumer group share the topics' partitions. */
final class SinkRunService implements SpineService {

    @Override
    public String name() {
        return "sink";
    }

    @Override
    public String description() {
        return "the lake sink: raw and product topics -> Delta Bronze and Silver, exactly once";
    }

    @Override
    public ConfigDef definition() {
        return CommonSettings.define("sink", SinkSettings.ALL)
                .passingThrough(SinkSettings.HADOOP_PREFIX, "Passed to Hadoop with the prefix removed (e.g. `hadoop.fs.s3a.endpoint`, the S3 log store).");
    }

    @Override
    public AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) {
        SinkService sink = LakeSink.start(SinkSettings.toSinkConfig(config), contracts, metrics.registry());
        StageHealth.registerSink(health, sink);
        return sink;
    }
}
