package io.meshspine.schemas;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicProvisioner.Change;
import io.meshspine.core.topic.TopicProvisioner.ConfigUpdated;
import io.meshspine.core.topic.TopicProvisioner.LeftAlone;
import io.meshspine.core.topic.TopicProvisioner.PartitionsIncreased;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.TopicSpec;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Provisioning against the real broker. */
@ExtendWith(SpineExtension.class)
class TopicProvisioningTest {

    @Test
    void provisioning_creates_every_topic_the_contracts_imply_and_a_second_run_changes_nothing(SpineTestKit kit) throws Exception {
        List<Contract> contracts = Contracts.inFreshDomain("prov");
        List<TopicSpec> wanted = dataTopics(TopicCatalogue.of(contracts));
        TopicProvisioner provisioner = new TopicProvisioner(kit.admin(), (short) 1);

        TopicProvisioner.Report first = provisioner.provision(wanted);
        TopicProvisioner.Report second = provisioner.provision(wanted);

        assertThat(first.changes()).hasSize(contracts.size() * 2)
                .allSatisfy(c -> assertThat(c).isInstanceOf(TopicProvisioner.Created.class));
        assertThat(second.changedAnything()).isFalse();
        assertThat(second.changes()).isEmpty();
        assertThat(second.unchanged()).isEqualTo(wanted.size());
        for (TopicSpec spec : wanted) {
            assertThat(kit.admin().describeTopics(List.of(spec.name())).allTopicNames().get().get(spec.name()).partitions())
                    .as(spec.name()).hasSize(spec.partitions());
            assertThat(config(kit, spec.name()).get("retention.ms").value()).isEqualTo(spec.configs().get("retention.ms"));
        }
    }

    @Test
    void provisioning_raises_partitions_and_fixes_configs_but_never_shrinks_a_topic(SpineTestKit kit) throws Exception {
        List<Contract> contracts = Contracts.inFreshDomain("grow");
        TopicProvisioner provisioner = new TopicProvisioner(kit.admin(), (short) 1);
        provisioner.provision(dataTopics(TopicCatalogue.of(contracts)));

        TopicCatalogue bigger = TopicCatalogue.of(contracts, new TopicCatalogue.Settings(6, Duration.ofDays(3), Duration.ofDays(7), Duration.ofDays(30)));
        List<Change> grown = provisioner.provision(dataTopics(bigger)).changes();
        String raw = contracts.get(0).rawTopic();
        // Config changes reach every broker's view a moment after the controller accepts them.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                config(kit, raw).get("retention.ms").value().equals(Long.toString(Duration.ofDays(3).toMillis())));
        TopicCatalogue smaller = TopicCatalogue.of(contracts, new TopicCatalogue.Settings(2, Duration.ofDays(3), Duration.ofDays(7), Duration.ofDays(30)));
        List<Change> refused = provisioner.provision(dataTopics(smaller)).changes();

        assertThat(grown).contains(new PartitionsIncreased(raw, 4, 6));
        assertThat(grown).contains(new ConfigUpdated(raw, "retention.ms", Long.toString(Duration.ofDays(7).toMillis()),
                Long.toString(Duration.ofDays(3).toMillis())));
        assertThat(refused).filteredOn(c -> c.topic().equals(raw)).singleElement().isInstanceOf(LeftAlone.class);
        assertThat(kit.admin().describeTopics(List.of(raw)).allTopicNames().get().get(raw).partitions()).hasSize(6);
        assertThat(config(kit, raw).get("retention.ms").value()).isEqualTo(Long.toString(Duration.ofDays(3).toMillis()));
    }

    @Test
    void the_catalogue_holds_the_central_and_internal_topics_with_the_right_clean_up() {
        TopicCatalogue catalogue = TopicCatalogue.of(Contracts.REPO.contracts());

        assertThat(catalogue.topics()).filteredOn(t -> t.role() == TopicRole.STATE)
                .isNotEmpty().allSatisfy(t -> assertThat(t.configs()).containsEntry("cleanup.policy", "compact"));
        assertThat(catalogue.find(io.meshspine.core.topic.Topics.DLQ)).get()
                .satisfies(t -> assertThat(t.role()).isEqualTo(TopicRole.DEAD_LETTER));
        assertThat(catalogue.find(io.meshspine.core.topic.Topics.AUDIT)).get()
                .satisfies(t -> assertThat(t.configs()).containsEntry("retention.ms", "-1"));
        Contracts.REPO.contracts().forEach(c -> {
            assertThat(catalogue.find(c.rawTopic())).get().extracting(TopicSpec::role).isEqualTo(TopicRole.RAW);
            assertThat(catalogue.find(c.productTopic())).get().extracting(TopicSpec::role).isEqualTo(TopicRole.PRODUCT);
        });
    }

    /** The per-contract topics only: the spine.* topics are shared by every test on this broker. */
    private static List<TopicSpec> dataTopics(TopicCatalogue catalogue) {
        return catalogue.topics().stream().filter(t -> t.role() == TopicRole.RAW || t.role() == TopicRole.PRODUCT).toList();
    }

    private static Config config(SpineTestKit kit, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Map<ConfigResource, Config> configs = kit.admin().describeConfigs(List.of(resource)).all().get();
        return configs.get(resource);
    }
}
