package io.meshspine.sink;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.privacy.DeadLetterSealer;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.privacy.SubjectCipher;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.topic.Topics;
import io.meshspine.sink.internal.BronzeRows;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.LogStores;
import io.meshspine.sink.internal.SinkLoop;
import io.meshspine.sink.internal.SinkMetrics;
import io.meshspine.sink.internal.SinkTables;
import io.meshspine.sink.internal.TableSink;
import io.meshspine.sink.internal.TableSpec;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The lake sink: product topics into Silver, raw topics into Bronze, in exactly-once micro-batches. Entry point for
 * the CLI and the demo.
 */
public final class LakeSink {

    private static final Logger log = LoggerFactory.getLogger(LakeSink.class);

    private LakeSink() {
    }

    /**
     * Opens every table the catalog asks for and starts consuming.
     *
     * @throws IncompatibleTableSchemaException a table exists with a schema the contract cannot evolve into
     * @throws LogStores.UnsafeLogStoreException the lake is on S3 without a multi-writer-safe log store, and one writer
     *                                           is not declared
     */
    public static SinkService start(SinkConfig config, ContractCatalog catalog, MeterRegistry meters) {
        log.info("sink starting config={}", config);
        Configuration conf = Hadoop.configuration(config.hadoop());
        LogStores.requireSafe(config.lakeRoot(), conf, config.singleWriter(), SinkSettings.SINGLE_WRITER.key());
        RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(config.registryUrl()));
        SinkMetrics metrics = new SinkMetrics(meters);
        List<TableSpec> specs = SinkTables.specs(config, catalog);
        boolean encrypted = specs.stream().anyMatch(s -> s.rowSchema().getField(BronzeRows.KEY_ID) != null);
        // The key store is opened before any table: a missing key topic stops the sink here, loudly.
        DataKeyStore keys = encrypted ? config.privacy().openKeyStore(Topics.PRIVACY_KEYS, config.clientProperties()) : null;
        // SINK dead letters of contracts with PII keep their originals encrypted whatever the Bronze setting (issue 16):
        // under the Bronze key store when there is one, else through a sealer that opens its own on the first such letter.
        var deadLetters = !config.privacy().encryptDeadLetters() ? SinkTables.deadLetters(config.clientProperties(), schemas, null, catalog)
                : keys != null ? SinkTables.deadLetters(config.clientProperties(), schemas, new SubjectCipher(keys), catalog)
                : SinkTables.deadLetters(config.clientProperties(), schemas, DeadLetterSealer.over(config.privacy(), Topics.PRIVACY_KEYS,
                        config.clientProperties(), catalog, new WireDecoder(schemas)));
        LineageEmitter lineage = LineageEmitter.start(config.lineage(), meters);
        AutoCloseable opened = () -> {
            try {
                deadLetters.close();
            } finally {
                try {
                    lineage.close();
                } finally {
                    if (keys != null) {
                        keys.close();
                    }
                }
            }
        };
        List<TableSink> sinks = new ArrayList<>();
        try {
            SubjectCipher cipher = keys == null ? null : new SubjectCipher(keys);
            for (TableSpec spec : specs) {
                sinks.add(SinkTables.open(spec, conf, schemas, deadLetters, metrics, cipher, lineage, config.bootstrapServers(),
                        config.tombstoneRetention()));
            }
        } catch (RuntimeException e) {
            try {
                opened.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        SinkLoop loop = new SinkLoop(config, sinks, state -> { });
        log.info("sink tables={} bronze_encrypted={}", specs.stream().map(TableSpec::name).toList(), encrypted);
        // The run history comes from spine.lineage: written when the spine's run events go there (transport kafka, or
        // lineage.run-history beside another transport).
        io.meshspine.sink.internal.RunHistoryWriter history = config.lineage().reachesLineageTopic()
                ? new io.meshspine.sink.internal.RunHistoryWriter(new RunHistory(config.lakeRoot(), config.hadoop()), config.lineage().kafka(),
                config.trigger().maxLatency().compareTo(java.time.Duration.ofSeconds(5)) < 0 ? config.trigger().maxLatency() : java.time.Duration.ofSeconds(5)).start()
                : null;
        AutoCloseable resources = () -> {
            try {
                opened.close();
            } finally {
                if (history != null) {
                    history.close();
                }
            }
        };
        return new SinkService(loop, specs.stream().map(TableSpec::name).toList(), resources, config);
    }
}
