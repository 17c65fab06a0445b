package io.meshspine.core.registry;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.Lane;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Registers contracts' schemas in Apicurio: group = the domain, one artifact per topic and side
 * ({@code <topic>-value}, {@code <topic>-key}, the serdes' topic naming), with the artifact's COMPATIBILITY rule set
 * to the contract's mode and VALIDITY set to FULL before any new version is added, so the registry itself refuses an
 * incompatible schema. Idempotent: an unchanged schema finds its existing version.
 *
 * <p>Raw topics of the event and file lanes carry the contract's own schema and are registered for the newest major
 * version only (all majors share one raw topic). A CDC raw topic carries the CDC lane's change-event envelope, which
 * that lane registers itself.
 */
public final class ContractRegistrar {

    public static final String AVRO = "AVRO";

    /** What happened to one artifact. */
    public enum Result { CREATED, NEW_VERSION, UNCHANGED, REJECTED }

    public record Registration(String group, String artifactId, Result result, String version, String detail) {
        public String describe() {
            return switch (result) {
                case CREATED -> "created " + group + "/" + artifactId + " version " + version;
                case NEW_VERSION -> "registered " + group + "/" + artifactId + " version " + version;
                case UNCHANGED -> "unchanged " + group + "/" + artifactId + " (version " + version + ")";
                case REJECTED -> "REJECTED " + group + "/" + artifactId + ": " + detail;
            };
        }
    }

    private final ApicurioClient registry;

    public ContractRegistrar(ApicurioClient registry) {
        this.registry = registry;
    }

    public static String valueArtifact(String topic) {
        return topic + "-value";
    }

    public static String keyArtifact(String topic) {
        return topic + "-key";
    }

    public List<Registration> register(List<Contract> contracts) {
        List<Registration> registrations = new ArrayList<>();
        for (Contract contract : contracts) {
            registrations.add(register(contract, valueArtifact(contract.productTopic()), contract.avroSchema()));
            if (!contract.keys().isEmpty()) {
                registrations.add(register(contract, keyArtifact(contract.productTopic()), contract.keySchema()));
            }
        }
        for (Contract newest : newestMajorOfEachRawTopic(contracts)) {
            if (newest.lane() == Lane.CDC) {
                continue;
            }
            registrations.add(register(newest, valueArtifact(newest.rawTopic()), newest.avroSchema()));
            if (!newest.keys().isEmpty()) {
                registrations.add(register(newest, keyArtifact(newest.rawTopic()), newest.keySchema()));
            }
        }
        return registrations;
    }

    private Registration register(Contract contract, String artifactId, Schema schema) {
        String group = contract.domain();
        List<ApicurioClient.ArtifactVersion> before = registry.versions(group, artifactId);
        if (!before.isEmpty()) {
            // Rules first: the registry must judge the new version by the contract's mode.
            ensureRules(group, artifactId, contract);
        }
        ApicurioClient.Outcome<ApicurioClient.ArtifactVersion> outcome =
                registry.findOrCreateVersion(group, artifactId, AVRO, schema.toString());
        if (outcome instanceof ApicurioClient.Rejected<ApicurioClient.ArtifactVersion> rejected) {
            return new Registration(group, artifactId, Result.REJECTED, null,
                    rejected.rejection().title() + " " + rejected.rejection().causes() + " (" + contract.location().contractFile() + ")");
        }
        ApicurioClient.ArtifactVersion version = ((ApicurioClient.Accepted<ApicurioClient.ArtifactVersion>) outcome).value();
        if (before.isEmpty()) {
            ensureRules(group, artifactId, contract);
            return new Registration(group, artifactId, Result.CREATED, version.version(), null);
        }
        boolean existed = before.stream().anyMatch(v -> v.globalId() == version.globalId());
        return new Registration(group, artifactId, existed ? Result.UNCHANGED : Result.NEW_VERSION, version.version(), null);
    }

    private void ensureRules(String group, String artifactId, Contract contract) {
        Map<String, String> wanted = new LinkedHashMap<>();
        wanted.put("COMPATIBILITY", contract.compatibility().name());
        wanted.put("VALIDITY", "FULL");
        wanted.forEach((rule, config) -> {
            if (!registry.rule(group, artifactId, rule).map(config::equals).orElse(false)) {
                registry.putRule(group, artifactId, rule, config);
            }
        });
    }

    private static List<Contract> newestMajorOfEachRawTopic(List<Contract> contracts) {
        return contracts.stream()
                .collect(Collectors.groupingBy(Contract::rawTopic, LinkedHashMap::new,
                        Collectors.maxBy(Comparator.comparingInt(Contract::majorVersion))))
                .values().stream().flatMap(java.util.Optional::stream).toList();
    }
}
