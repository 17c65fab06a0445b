package io.meshspine.docs.internal;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class MermaidFlowchartTest {

    // node definitions: an id followed by a shape opener
    private static final Pattern NODE = Pattern.compile("^\\s+(\\S+?)(\\[\\[|\\[\\(|\\[|\\()\"", Pattern.MULTILINE);

    @Test
    void namesThatDifferOnlyInPunctuationGetDistinctMermaidSafeIds() {
        Topology topology = new Topology();
        topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "a.b", "a-b", "end");
        topology.addProcessor("a.b", NoOp::new, "in");
        topology.addProcessor("a_b", NoOp::new, "a.b");
        topology.addSink("out", "a_b", new ByteArraySerializer(), new ByteArraySerializer(), "a_b");

        String diagram = MermaidFlowchart.render(topology.describe(), topic -> false);

        List<String> ids = NODE.matcher(diagram).results().map(m -> m.group(1)).toList();
        assertThat(ids).allMatch(id -> id.matches("[A-Za-z0-9_]+")).doesNotHaveDuplicates()
                .contains("topic_a_b", "topic_a_b_2", "topic_end", "node_a_b", "node_a_b_2");
        assertThat(diagram).contains("[[\"a.b\"]]", "[[\"a-b\"]]", "[[\"a_b\"]]");
    }

    @Test
    void aProcessorIsLinkedToItsStoreAndHighlightedTopicsGetTheWarningClass() {
        Topology topology = new Topology();
        topology.addSource("src", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "raw.x");
        topology.addProcessor("proc", NoOp::new, "src");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("the-store"),
                Serdes.String(), Serdes.String()), "proc");
        topology.addSink("dlq", "dead.letters", new ByteArraySerializer(), new ByteArraySerializer(), "proc");

        String diagram = MermaidFlowchart.render(topology.describe(), "dead.letters"::equals);

        assertThat(diagram).startsWith("flowchart LR\n").contains(
                "topic_raw_x --> node_src",
                "node_src --> node_proc",
                "node_proc <-.-> store_the_store",
                "node_proc --> node_dlq",
                "node_dlq --> topic_dead_letters",
                "class topic_dead_letters warn",
                "class topic_raw_x topic",
                "class store_the_store store");
    }

    @Test
    void labelsEscapeQuotesAndAmpersands() {
        assertThat(MermaidFlowchart.label("a \"b\" & c")).isEqualTo("\"a #quot;b#quot; #amp; c\"");
    }

    private static final class NoOp extends ContextualProcessor<byte[], byte[], byte[], byte[]> {
        @Override
        public void process(Record<byte[], byte[]> record) {
            context().forward(record);
        }
    }
}
