package io.meshspine.gate;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.internal.PreCommitStore;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.util.List;

/**
 * The contract gate's topology, built statically from the contracts: one source over every raw topic, the gate
 * processor with its dedup store, one sink per product topic, and the DLQ sink.
 */
public final class GateTopology {

    public static final String SOURCE = "raw-topics";
    public static final String PROCESSOR = "contract-gate";
    public static final String DEDUP_STORE = "spine-gate-dedup";
    public static final String DLQ_SINK = "dlq-sink";

    private GateTopology() {
    }

    public static String productSink(String productTopic) {
        return "product-sink-" + productTopic;
    }

    /**
     * @param runtime the gate with its product schemas already registered (before the topology exists), shared by every
     *                task of the instance; null only for a topology that is described, never run
     */
    static Topology buildTopology(GateConfig config, ContractCatalog catalog, GateProcessor.GateRuntime runtime) {
        List<String> rawTopics = catalog.contracts().stream().map(Contract::rawTopic).distinct().sorted().toList();
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), rawTopics.toArray(String[]::new));
        topology.addProcessor(PROCESSOR, () -> new GateProcessor(runtime, config.dedupWindow(), config.transientRetryBudget()), SOURCE);
        // Identities in batches (see WindowedIdentities, DedupIdentities), put by the processor just before each commit
        // (PreCommitStore): one store write and one changelog record per batch and commit.
        topology.addStateStore(PreCommitStore.around(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEDUP_STORE),
                Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled()), PROCESSOR);
        catalog.contracts().stream().map(Contract::productTopic).distinct().sorted().forEach(topic ->
                topology.addSink(productSink(topic), topic, new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR));
        topology.addSink(DLQ_SINK, Topics.DLQ, new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
        return topology;
    }

    /** The topology's shape alone (no registry needed): what topology-docs renders. */
    public static Topology describeOnly(GateConfig config, ContractCatalog catalog) {
        return buildTopology(config, catalog, null);
    }
}
