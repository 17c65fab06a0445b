package io.meshspine.testkit;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(SpineExtension.class)
class AvroRoundTripTest {

    private static final Schema PAYMENT = new Schema.Parser().parse("""
            {"type":"record","name":"Payment","namespace":"io.meshspine.test","fields":[
              {"name":"transaction_id","type":"string"},
              {"name":"amount_cents","type":"long"},
              {"name":"currency","type":"string"},
              {"name":"note","type":["null","string"],"default":null}]}
            """);

    @Test
    void an_avro_record_goes_through_the_real_broker_with_its_schema_registered_in_the_real_registry(SpineTestKit kit)
            throws Exception {
        String topic = kit.createTopic(SpineTestKit.uniqueName("roundtrip"), 1);
        GenericRecord sent = new GenericData.Record(PAYMENT);
        sent.put("transaction_id", "tx-1");
        sent.put("amount_cents", 12_345L);
        sent.put("currency", "AUD");
        sent.put("note", null);

        kit.produce(topic, new StringSerializer(), kit.<GenericRecord>avroSerializer(false),
                List.of(new ProducerRecord<>(topic, "tx-1", sent)));

        List<ConsumerRecord<String, GenericRecord>> received = kit.awaitRecords(topic, 1, new StringDeserializer(),
                kit.<GenericRecord>avroDeserializer(false), Duration.ofSeconds(30));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).key()).isEqualTo("tx-1");
        assertThat(received.get(0).value().toString()).isEqualTo(sent.toString());
        assertThat(received.get(0).value().getSchema()).isEqualTo(PAYMENT);

        // On the wire: Apicurio's format, magic byte 0 and a 4-byte schema id, then the Avro binary body.
        byte[] raw = kit.awaitRecords(topic, 1, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Duration.ofSeconds(30)).get(0).value();
        assertThat(raw[0]).isZero();
        int schemaId = ByteBuffer.wrap(raw, 1, 4).getInt();
        assertThat(schemaId).isPositive();

        // The registry itself holds the schema under that id, and the artifact named after the topic.
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> byId = http.send(HttpRequest.newBuilder(
                URI.create(kit.registryUrl() + "/ids/contentIds/" + schemaId)).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> byGlobalId = http.send(HttpRequest.newBuilder(
                URI.create(kit.registryUrl() + "/ids/globalIds/" + schemaId)).GET().build(), HttpResponse.BodyHandlers.ofString());
        String stored = byId.statusCode() == 200 ? byId.body() : byGlobalId.body();
        assertThat(new Schema.Parser().parse(stored)).isEqualTo(PAYMENT);
        HttpResponse<String> artifact = http.send(HttpRequest.newBuilder(
                URI.create(kit.registryUrl() + "/groups/default/artifacts/" + topic + "-value")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(artifact.statusCode()).as(artifact.body()).isEqualTo(200);
    }
}
