package io.meshspine.schemas;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.registry.ContractRegistrar.Registration;
import io.meshspine.core.registry.ContractRegistrar.Result;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Registration against the real Apicurio Registry. */
@ExtendWith(SpineExtension.class)
class ContractRegistrationTest {

    @Test
    void registering_twice_creates_every_artifact_once_with_the_contracts_rules(SpineTestKit kit) {
        List<Contract> contracts = Contracts.inFreshDomain("reg");
        ApicurioClient registry = new ApicurioClient(kit.registryUrl());
        ContractRegistrar registrar = new ContractRegistrar(registry);

        List<Registration> first = registrar.register(contracts);
        List<Registration> second = registrar.register(contracts);

        assertThat(first).isNotEmpty().allSatisfy(r -> assertThat(r.result()).as(r.describe()).isEqualTo(Result.CREATED));
        assertThat(second).allSatisfy(r -> assertThat(r.result()).as(r.describe()).isEqualTo(Result.UNCHANGED));
        assertThat(second).extracting(Registration::artifactId).containsExactlyElementsOf(first.stream().map(Registration::artifactId).toList());
        for (Contract c : contracts) {
            String artifact = ContractRegistrar.valueArtifact(c.productTopic());
            assertThat(registry.versions(c.domain(), artifact)).as(artifact).hasSize(1);
            assertThat(registry.rule(c.domain(), artifact, "COMPATIBILITY")).contains(c.compatibility().name());
            assertThat(registry.rule(c.domain(), artifact, "VALIDITY")).contains("FULL");
            assertThat(registry.versions(c.domain(), ContractRegistrar.keyArtifact(c.productTopic()))).hasSize(1);
        }
        // Event and file lanes write the contract's schema to their raw topic; the CDC lane registers its own envelope.
        for (Contract c : contracts) {
            assertThat(registry.versions(c.domain(), ContractRegistrar.valueArtifact(c.rawTopic())))
                    .as(c.rawTopic()).hasSize(c.lane() == io.meshspine.core.contract.Lane.CDC ? 0 : 1);
        }
    }

    @Test
    void a_compatible_new_schema_becomes_a_new_version_and_an_incompatible_one_is_refused_naming_the_field(SpineTestKit kit) {
        Contract original = Contracts.inFreshDomain("evolve").stream()
                .filter(c -> c.dataProduct().equals("transactions")).findFirst().orElseThrow();
        ContractRegistrar registrar = new ContractRegistrar(new ApicurioClient(kit.registryUrl()));
        registrar.register(List.of(original));

        Schema withOptional = addField(original.avroSchema(), "loyalty_points", true);
        List<Registration> evolved = registrar.register(List.of(Contracts.withDomainAndSchema(original, original.domain(), withOptional)));
        assertThat(evolved).filteredOn(r -> r.artifactId().endsWith("-value"))
                .allSatisfy(r -> assertThat(r.result()).as(r.describe()).isEqualTo(Result.NEW_VERSION));

        Schema withRequired = addField(withOptional, "settlement_bank", false);
        List<Registration> refused = registrar.register(List.of(Contracts.withDomainAndSchema(original, original.domain(), withRequired)));
        assertThat(refused).filteredOn(r -> r.artifactId().endsWith("-value")).isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.result()).isEqualTo(Result.REJECTED);
                    assertThat(r.detail()).contains("settlement_bank");
                });
    }

    @Test
    void the_registry_itself_refuses_a_producer_whose_schema_breaks_the_contract(SpineTestKit kit) {
        Contract contract = Contracts.inFreshDomain("serde").stream()
                .filter(c -> c.dataProduct().equals("transactions")).findFirst().orElseThrow();
        new ContractRegistrar(new ApicurioClient(kit.registryUrl())).register(List.of(contract));

        Schema breaking = SchemaBuilder.record(contract.avroSchema().getName()).namespace(contract.avroSchema().getNamespace())
                .fields().requiredString("transaction_id").requiredInt("something_else").endRecord();
        GenericRecord record = new GenericData.Record(breaking);
        record.put("transaction_id", "t-1");
        record.put("something_else", 1);
        Map<String, Object> config = new java.util.HashMap<>(kit.serdeConfig());
        config.put("apicurio.registry.artifact.group-id", contract.domain());
        io.apicurio.registry.serde.avro.AvroKafkaSerializer<GenericRecord> serializer = new io.apicurio.registry.serde.avro.AvroKafkaSerializer<>();
        serializer.configure(config, false);
        Serializer<GenericRecord> s = serializer;

        assertThatThrownBy(() -> s.serialize(contract.productTopic(), record))
                .hasStackTraceContaining("RuleViolation");
    }

    @Test
    void an_unreachable_registry_is_a_transient_fault_that_names_the_url() {
        String url = "http://127.0.0.1:" + FreePorts.next() + "/apis/registry/v3";
        ContractRegistrar registrar = new ContractRegistrar(new ApicurioClient(url));

        assertThatThrownBy(() -> registrar.register(Contracts.REPO.contracts()))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining(url);
    }

    private static Schema addField(Schema schema, String name, boolean optional) {
        List<Schema.Field> fields = new ArrayList<>();
        schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(optional
                ? new Schema.Field(name, Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.LONG)), null, Schema.Field.NULL_DEFAULT_VALUE)
                : new Schema.Field(name, Schema.create(Schema.Type.STRING), null, (Object) null));
        Schema copy = Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
        schema.getObjectProps().forEach(copy::addProp);
        return copy;
    }
}
