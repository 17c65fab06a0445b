package io.meshspine.sink;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/** A contract's schema changing under an existing Silver table. */
@ExtendWith(SpineExtension.class)
class SchemaEvolutionOnBrokerTest {

    @Test
    void a_new_optional_field_adds_a_nullable_column_and_an_incompatible_change_is_refused(SpineTestKit kit, @TempDir Path lake) {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "evolve", lake, 1)) {
            BatchTrigger trigger = new BatchTrigger(1000, 64L << 20, Duration.ofMillis(300));
            SamplePayments v1 = new SamplePayments(f.contract.avroSchema());
            Instant at = Instant.parse("2025-01-10T08:00:00Z");
            for (int i = 0; i < 30; i++) {
                f.sendProduct(v1.valid(i, at));
            }
            f.producer.flush();
            try (SinkService sink = LakeSink.start(f.config(trigger), f.catalog(), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 30);
            }
            long versionBefore = KernelTable.read(f.silverPath()).version();

            Schema widened = withField(f.contract.avroSchema(), "loyalty_points",
                    Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.LONG)));
            Contract evolved = ContractFixtures.withDomainAndSchema(f.contract, f.contract.domain(), widened);
            long widenedId = f.registry.contentIdFor(f.contract.domain(), ContractRegistrar.valueArtifact(f.contract.productTopic()), widened);
            SamplePayments v2 = new SamplePayments(widened);
            for (int i = 100; i < 120; i++) {
                GenericRecord r = v2.valid(i, at);
                r.put("loyalty_points", (long) i);
                f.producer.send(new ProducerRecord<>(f.contract.productTopic(), f.key(r), WireFormat.encode(widenedId, widened, r)));
            }
            f.producer.flush();
            try (SinkService sink = LakeSink.start(f.config(trigger), ContractCatalog.of(List.of(evolved)), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 50);
            }
            KernelTable.Contents table = KernelTable.read(f.silverPath());
            assertThat(table.schema().get("loyalty_points").isNullable()).isTrue();
            assertThat(table.column("loyalty_points").stream().filter(Objects::isNull)).hasSize(30);
            assertThat(table.column("loyalty_points").stream().filter(Objects::nonNull)).hasSize(20).contains(100L, 119L);
            // The column arrived in the same commit as the first rows that have it: no metadata-only version between.
            assertThat(table.version()).isEqualTo(versionBefore + 1);
            assertThat(KernelTable.readVersion(f.silverPath(), versionBefore).schema().fieldNames()).doesNotContain("loyalty_points");

            Schema retyped = withoutField(f.contract.avroSchema(), "amount");
            retyped = withField(retyped, "amount", Schema.create(Schema.Type.STRING));
            Contract breaking = ContractFixtures.withDomainAndSchema(f.contract, f.contract.domain(), retyped);
            assertThatThrownBy(() -> LakeSink.start(f.config(trigger), ContractCatalog.of(List.of(breaking)), new SimpleMeterRegistry()))
                    .isInstanceOf(IncompatibleTableSchemaException.class)
                    .hasMessageContaining("amount").hasMessageContaining("loyalty_points was removed");
        }
    }

    private static Schema withField(Schema schema, String name, Schema type) {
        List<Schema.Field> fields = new ArrayList<>();
        schema.getFields().forEach(field -> fields.add(new Schema.Field(field, field.schema())));
        Object defaultValue = type.getType() == Schema.Type.UNION ? Schema.Field.NULL_DEFAULT_VALUE : null;
        fields.add(new Schema.Field(name, type, null, defaultValue));
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static Schema withoutField(Schema schema, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        schema.getFields().stream().filter(field -> !field.name().equals(name)).forEach(field -> fields.add(new Schema.Field(field, field.schema())));
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }
}
