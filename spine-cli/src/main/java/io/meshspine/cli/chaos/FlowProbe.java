package io.meshspine.cli.chaos;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.topic.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Whether records flow through a stage: a number that only grows while the stage does its work. The gate: committed
 * records in the product topics and the DLQ; ingest: committed records in the raw topics of the CDC and file lanes;
 * the sink: Delta commits under the lake. The workbench moves no records: its readiness is its flow.
 */
final class FlowProbe implements AutoCloseable {

    private final Admin admin;
    private final List<String> gateOutputs;
    private final List<String> ingestOutputs;
    private final Path lake;

    FlowProbe(String bootstrap, List<Contract> contracts, Path lake) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000));
        List<String> outputs = new java.util.ArrayList<>(contracts.stream().map(Contract::productTopic).distinct().toList());
        outputs.add(Topics.DLQ);
        this.gateOutputs = List.copyOf(outputs);
        this.ingestOutputs = contracts.stream().filter(c -> c.lane() == Lane.CDC || c.lane() == Lane.FILE).map(Contract::rawTopic).distinct().toList();
        this.lake = lake;
    }

    /** The stage's progress count now; -1 when it cannot be read (the broker is away). */
    long progress(String service) {
        return switch (service) {
            case "gate" -> committedRecords(gateOutputs);
            case "ingest" -> committedRecords(ingestOutputs);
            case "sink" -> deltaCommits();
            default -> 0;
        };
    }

    static boolean movesRecords(String service) {
        return !service.equals("dlq-api");
    }

    /** The sum of the topics' last stable offsets (committed records and their transaction markers). */
    private long committedRecords(List<String> topics) {
        try {
            Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS).forEach((name, d) ->
                    d.partitions().forEach(p -> wanted.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
            return admin.listOffsets(wanted, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(5, TimeUnit.SECONDS)
                    .values().stream().mapToLong(o -> o.offset()).sum();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return -1;
        }
    }

    private long deltaCommits() {
        if (!Files.isDirectory(lake)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(lake)) {
            return files.filter(f -> f.getParent() != null && f.getParent().getFileName().toString().equals("_delta_log"))
                    .filter(f -> f.getFileName().toString().endsWith(".json")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
