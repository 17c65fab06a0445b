package io.meshspine.ingest.file;

import io.meshspine.core.LineageHeaders;
import io.meshspine.core.SpineHeaders;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Killing the lane mid-file (SIGKILL, in a JVM of its own) and starting it again: every row exactly once. */
@ExtendWith(SpineExtension.class)
class FileLaneCrashTest {

    private static final int ROWS = 300_000;
    private static final int BAD_EVERY = 50_000;

    @Test
    void a_lane_killed_in_the_middle_of_a_large_file_resumes_and_every_row_lands_exactly_once(SpineTestKit kit, @TempDir Path landing,
                                                                                               @TempDir Path scratch)
            throws Exception {
        try (FileLaneFixture f = new FileLaneFixture(kit, "crash", landing); LineCounter raw = new LineCounter(kit, f.contract.rawTopic())) {
            Path file = landing.resolve("lending/loan_applications/big.csv");
            Files.createDirectories(file.getParent());
            int badRows = 0;
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                out.write(SampleLoans.HEADER);
                out.write('\n');
                for (int i = 0; i < ROWS; i++) {
                    out.write(i % BAD_EVERY == BAD_EVERY - 1 ? "APP-crash-" + i + ",C1,HOME,not-a-number,1,SUBMITTED,2024-03-01T09:30:00Z,,"
                            : SampleLoans.row("crash", i));
                    out.write('\n');
                    badRows += i % BAD_EVERY == BAD_EVERY - 1 ? 1 : 0;
                }
            }

            int bad = badRows;
            Process child = startChild(kit, f, file, landing, scratch);
            try {
                await("the first lane commits some chunks").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> raw.poll() >= 20_000);
                child.destroyForcibly();
                child.waitFor();
            } finally {
                child.destroyForcibly();
            }
            int atKill = raw.poll();
            assertThat(atKill).as("killed mid-file").isLessThan(ROWS - bad);
            assertThat(file).exists();

            FileOutcome outcome;
            try (FileLane lane = f.open()) {
                outcome = lane.ingest(file);
            }

            assertThat(outcome.result()).isEqualTo(FileOutcome.Result.INGESTED);
            assertThat(outcome.resumedFromLine()).isGreaterThan(0);
            assertThat(outcome.rows()).isEqualTo(ROWS - bad);
            assertThat(outcome.deadLetters()).isEqualTo(bad);
            await().atMost(Duration.ofSeconds(60)).until(() -> raw.poll() >= ROWS - bad);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> raw.poll() == ROWS - bad);
            assertThat(raw.duplicates).isZero();
            assertThat(raw.lines.cardinality()).isEqualTo(ROWS - bad);
            await().atMost(Duration.ofSeconds(20)).until(() -> f.deadLetters().size() >= bad);
            assertThat(f.deadLetters()).hasSize(bad).extracting(d -> d.context().get("line")).doesNotHaveDuplicates();
        }
    }

    private static Process startChild(SpineTestKit kit, FileLaneFixture f, Path file, Path landing, Path scratch) throws Exception {
        return new ProcessBuilder(ChildJvm.command(scratch.resolve("jvm-tmp"), List.of("-Xmx256m"), FileLaneChild.class.getName(),
                kit.bootstrapServers(), kit.registryUrl(), f.contract.domain(), landing.toString(), f.transactionalId, "10000", file.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(landing.resolve("child.log").toFile()))
                .start();
    }

    /** Reads a raw topic read_committed, keeping only which lines arrived and how often one arrived twice. */
    private static final class LineCounter implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        final BitSet lines = new BitSet();
        int count;
        int duplicates;

        LineCounter(SpineTestKit kit, String topic) {
            consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("count")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        synchronized int poll() {
            for (int i = 0; i < 100; i++) {
                var batch = consumer.poll(Duration.ofMillis(50));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    int line = Integer.parseInt(SpineHeaders.string(r.headers().lastHeader(LineageHeaders.FILE_LINE).value()));
                    if (lines.get(line)) {
                        duplicates++;
                    }
                    lines.set(line);
                    count++;
                }
                if (batch.isEmpty()) {
                    break;
                }
            }
            return count;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
