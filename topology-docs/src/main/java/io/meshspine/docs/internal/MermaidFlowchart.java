package io.meshspine.docs.internal;

import org.apache.kafka.streams.TopologyDescription;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A Kafka Streams {@link TopologyDescription} as a Mermaid {@code flowchart LR}: input topics on the left, each
 * sub-topology's sources, processors (with their state stores) and sinks in a subgraph, output topics on the
 * right. Everything is sorted, so the same topology always gives the same text.
 *
 * <p>Node ids are derived from names but made Mermaid-safe: only {@code [A-Za-z0-9_]}, a kind prefix (so no id is a
 * Mermaid keyword such as {@code end}), and a numeric suffix if two names sanitise to the same id. Labels are quoted
 * and escaped, so topic names keep their dots there.
 */
public final class MermaidFlowchart {

    private static final Comparator<TopologyDescription.Node> BY_NAME = Comparator.comparing(TopologyDescription.Node::name);
    /** In flow order: sources, then processors, then sinks; by name within each. */
    private static final Comparator<TopologyDescription.Node> IN_FLOW_ORDER =
            Comparator.comparingInt(MermaidFlowchart::rank).thenComparing(BY_NAME);

    private final Predicate<String> highlighted;
    private final Ids ids = new Ids();
    private final Map<String, String> topicIds = new TreeMap<>();
    private final Map<String, String> storeIds = new TreeMap<>();
    private final Set<String> inputTopics = new TreeSet<>();
    private final Set<String> outputTopics = new TreeSet<>();
    private final List<String> body = new ArrayList<>();
    private final List<String> edges = new ArrayList<>();

    private MermaidFlowchart(Predicate<String> highlighted) {
        this.highlighted = highlighted;
    }

    /**
     * @param highlighted topics drawn in the warning style (the dead-letter queue)
     * @return the diagram's lines, from {@code flowchart LR}, without the Markdown fence
     */
    public static String render(TopologyDescription description, Predicate<String> highlighted) {
        return new MermaidFlowchart(highlighted).draw(description);
    }

    private String draw(TopologyDescription description) {
        description.subtopologies().stream()
                .sorted(Comparator.comparingInt(TopologyDescription.Subtopology::id))
                .forEach(this::subtopology);
        description.globalStores().stream()
                .sorted(Comparator.comparingInt(TopologyDescription.GlobalStore::id))
                .forEach(this::globalStore);

        StringBuilder out = new StringBuilder("flowchart LR\n");
        inputTopics.forEach(topic -> out.append("    ").append(topicNode(topic)).append('\n'));
        body.forEach(line -> out.append(line).append('\n'));
        outputTopics.stream().filter(topic -> !inputTopics.contains(topic))
                .forEach(topic -> out.append("    ").append(topicNode(topic)).append('\n'));
        edges.forEach(line -> out.append("    ").append(line).append('\n'));
        out.append("    classDef topic fill:#eef4ff,stroke:#4a6fa5\n");
        out.append("    classDef store fill:#fff7e0,stroke:#b08900\n");
        out.append("    classDef warn fill:#ffe8e8,stroke:#c0392b\n");
        appendClass(out, "topic", topicIds.entrySet().stream().filter(e -> !highlighted.test(e.getKey())).map(Map.Entry::getValue).toList());
        appendClass(out, "warn", topicIds.entrySet().stream().filter(e -> highlighted.test(e.getKey())).map(Map.Entry::getValue).toList());
        appendClass(out, "store", List.copyOf(storeIds.values()));
        return out.toString();
    }

    private void subtopology(TopologyDescription.Subtopology subtopology) {
        body.add("    subgraph sub_" + subtopology.id() + "[" + label("Sub-topology " + subtopology.id()) + "]");
        subtopology.nodes().stream().sorted(IN_FLOW_ORDER).forEach(node -> {
            body.add("        " + processingNode(node));
            if (node instanceof TopologyDescription.Processor processor) {
                processor.stores().stream().sorted().forEach(store -> body.add("        " + storeNode(store)));
            }
        });
        body.add("    end");
        subtopology.nodes().stream().sorted(IN_FLOW_ORDER).forEach(this::wire);
    }

    private void globalStore(TopologyDescription.GlobalStore global) {
        body.add("    subgraph global_" + global.id() + "[" + label("Global store " + global.id()) + "]");
        body.add("        " + processingNode(global.source()));
        body.add("        " + processingNode(global.processor()));
        global.processor().stores().stream().sorted().forEach(store -> body.add("        " + storeNode(store)));
        body.add("    end");
        wire(global.source());
        wire(global.processor());
    }

    private void wire(TopologyDescription.Node node) {
        String id = nodeId(node.name());
        if (node instanceof TopologyDescription.Source source) {
            if (source.topicSet() != null) {
                source.topicSet().stream().sorted().forEach(topic -> {
                    inputTopics.add(topic);
                    edges.add(topicId(topic) + " --> " + id);
                });
            }
        }
        if (node instanceof TopologyDescription.Processor processor) {
            processor.stores().stream().sorted().forEach(store -> edges.add(id + " <-.-> " + storeId(store)));
        }
        if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
            outputTopics.add(sink.topic());
            edges.add(id + " --> " + topicId(sink.topic()));
        }
        node.successors().stream().sorted(BY_NAME).forEach(next -> edges.add(id + " --> " + nodeId(next.name())));
    }

    private static int rank(TopologyDescription.Node node) {
        if (node instanceof TopologyDescription.Source) {
            return 0;
        }
        return node instanceof TopologyDescription.Sink ? 2 : 1;
    }

    private String processingNode(TopologyDescription.Node node) {
        String id = nodeId(node.name());
        if (node instanceof TopologyDescription.Source source) {
            String from = source.topicSet() != null ? "" : "<br/>pattern " + source.topicPattern();
            return id + "[" + label("source: " + node.name() + from) + "]";
        }
        if (node instanceof TopologyDescription.Sink sink) {
            String to = sink.topic() != null ? "" : "<br/>topic chosen per record";
            return id + "[" + label("sink: " + node.name() + to) + "]";
        }
        return id + "(" + label("processor: " + node.name()) + ")";
    }

    private String topicNode(String topic) {
        return topicId(topic) + "[[" + label(topic) + "]]";
    }

    private String storeNode(String store) {
        return storeId(store) + "[(" + label("store: " + store) + ")]";
    }

    private String nodeId(String name) {
        return ids.of("node", name);
    }

    private String topicId(String topic) {
        return topicIds.computeIfAbsent(topic, t -> ids.of("topic", t));
    }

    private String storeId(String store) {
        return storeIds.computeIfAbsent(store, s -> ids.of("store", s));
    }

    private static void appendClass(StringBuilder out, String className, List<String> nodeIds) {
        if (!nodeIds.isEmpty()) {
            out.append("    class ").append(String.join(",", new TreeSet<>(nodeIds))).append(' ').append(className).append('\n');
        }
    }

    /** A quoted Mermaid label; {@code "} and the characters Mermaid treats as entities are escaped. */
    static String label(String text) {
        return "\"" + text.replace("&", "#amp;").replace("\"", "#quot;") + "\"";
    }

    /** Stable, unique, Mermaid-safe ids: one per (kind, name), assigned in the order names are first seen. */
    static final class Ids {
        private final Map<String, String> assigned = new HashMap<>();
        private final Set<String> taken = new HashSet<>();

        String of(String kind, String name) {
            return assigned.computeIfAbsent(kind + '\u0000' + name, key -> {
                String base = kind + "_" + name.replaceAll("[^A-Za-z0-9]", "_");
                String id = base;
                for (int n = 2; !taken.add(id); n++) {
                    id = base + "_" + n;
                }
                return id;
            });
        }
    }
}
