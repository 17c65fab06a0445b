package io.meshspine.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class TopologyDocsAreCurrentTest {

    // Surefire runs with the module directory as basedir.
    private final Path module = Path.of(System.getProperty("basedir", "."));

    @Test
    void theCommittedGateTopologyDocMatchesTheTopologyTheCodeBuilds() throws IOException {
        String fresh = TopologyDocs.renderGateTopology();
        Path committed = module.resolve(TopologyDocs.GATE_TOPOLOGY_FILE);
        String current = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";

        if (!fresh.equals(current)) {
            Path freshCopy = module.resolve("target").resolve(TopologyDocs.GATE_TOPOLOGY_FILE);
            Files.createDirectories(freshCopy.getParent());
            Files.writeString(freshCopy, fresh, StandardCharsets.UTF_8);
            fail("topology-docs/%s is stale (or missing): the contract gate's topology changed. A fresh rendering is in "
                    + "topology-docs/target/%s. Regenerate from the repository root with%n    %s%nand commit the result.",
                    TopologyDocs.GATE_TOPOLOGY_FILE, TopologyDocs.GATE_TOPOLOGY_FILE, TopologyDocs.REGENERATE_COMMAND);
        }
    }

    @Test
    void renderingTwiceGivesTheSameBytes() {
        assertThat(TopologyDocs.renderGateTopology()).isEqualTo(TopologyDocs.renderGateTopology());
    }

    @Test
    void theDocHoldsNoAbsolutePathOrTimestamp() {
        String doc = TopologyDocs.renderGateTopology();

        assertThat(doc)
                .doesNotContain(Path.of("").toAbsolutePath().toString())
                .doesNotContain(System.getProperty("user.home"))
                .doesNotContainPattern("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}");
    }
}
