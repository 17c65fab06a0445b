package io.meshspine.streams;

import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The test broker carries what the contract gate relies on: an exactly_once_v2 Streams app commits its transactions. */
@ExtendWith(SpineExtension.class)
class ExactlyOnceOnTestBrokerTest {

    @Test
    void an_exactly_once_v2_streams_app_commits_its_output_and_its_offsets(SpineTestKit kit, @TempDir Path state) {
        String in = kit.createTopic(SpineTestKit.uniqueName("eos-in"), 2);
        String out = kit.createTopic(SpineTestKit.uniqueName("eos-out"), 2);
        String applicationId = SpineTestKit.uniqueName("eos-app");
        int count = 200;
        kit.produce(in, new StringSerializer(), new StringSerializer(), IntStream.range(0, count)
                .mapToObj(i -> new ProducerRecord<>(in, "k" + i, "value-" + i)).toList());

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues(v -> v.toUpperCase(Locale.ROOT))
                .to(out, Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kit.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();

            // read_committed: only records of committed transactions are visible.
            List<ConsumerRecord<String, String>> output = kit.awaitRecords(out, count, new StringDeserializer(),
                    new StringDeserializer(), Duration.ofSeconds(60));
            assertThat(output).hasSize(count);
            assertThat(output).extracting(ConsumerRecord::value)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, count).mapToObj(i -> "VALUE-" + i).toList());

            // The input offsets were committed inside the same transactions.
            await("committed input offsets").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = kit.admin()
                        .listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
                assertThat(committed.entrySet().stream().filter(e -> e.getKey().topic().equals(in))
                        .mapToLong(e -> e.getValue().offset()).sum()).isEqualTo(count);
            });
        }
    }
}
