package io.meshspine.docs;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.topic.Topics;
import io.meshspine.docs.internal.MermaidFlowchart;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.GateTopology;
import org.apache.kafka.streams.TopologyDescription;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates {@code topology-docs/gate-topology.md}, the contract gate's Kafka Streams topology as a Mermaid
 * diagram plus Kafka Streams' own description, from {@link GateTopology#describeOnly} over the repository's
 * contracts. {@code TopologyDocsAreCurrentTest} fails the build when the committed file differs from a fresh
 * rendering.
 */
public final class TopologyDocs {

    /** The committed doc, relative to the {@code topology-docs} module. */
    public static final String GATE_TOPOLOGY_FILE = "gate-topology.md";

    /** How to rewrite the committed doc, from the repository root. */
    public static final String REGENERATE_COMMAND =
            "./mvnw -B -q -pl topology-docs -am process-classes -Dspine.docs.write=true";

    // describeOnly contacts neither the broker nor the registry; the config only has to be valid.
    private static final byte[] PLACEHOLDER_HASH_KEY = "topology-docs-not-a-secret".getBytes(StandardCharsets.UTF_8);

    private TopologyDocs() {
    }

    /** Writes the gate's topology doc to {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: TopologyDocs <path of " + GATE_TOPOLOGY_FILE + ">");
        }
        Path target = Path.of(args[0]);
        Files.writeString(target, renderGateTopology(), StandardCharsets.UTF_8);
        System.out.println("topology-docs: wrote " + target.getFileName());
    }

    /** The doc for the contract gate over the contracts on the classpath (the {@code schemas} module). */
    public static String renderGateTopology() {
        GateConfig config = GateSettings.parse(java.util.Map.of(GateSettings.HASH_KEY.key(),
                new String(PLACEHOLDER_HASH_KEY, java.nio.charset.StandardCharsets.UTF_8)));
        return render(GateTopology.describeOnly(config, ContractCatalog.fromClasspath()).describe());
    }

    /** The Markdown doc of a topology: title, provenance, Mermaid diagram, Kafka Streams' plain description. */
    public static String render(TopologyDescription description) {
        String plain = description.toString().replace("\r\n", "\n").stripTrailing()
                .lines().map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("");
        return """
                # Contract gate topology

                Generated from the code, do not edit: `io.meshspine.docs.TopologyDocs` renders \
                `GateTopology.describeOnly(...)` over the contracts in `schemas/`. Regenerate with \
                `%s`; `TopologyDocsAreCurrentTest` fails the build while this file is stale.

                ```mermaid
                %s```

                ## Kafka Streams description

                ```text
                %s
                ```
                """.formatted(REGENERATE_COMMAND, MermaidFlowchart.render(description, Topics.DLQ::equals), plain);
    }
}
