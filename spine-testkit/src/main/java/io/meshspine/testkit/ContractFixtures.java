package io.meshspine.testkit;

import io.meshspine.core.contract.Contract;
import org.apache.avro.Schema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Copies of real contracts moved into a domain of their own, so tests that share one broker and one registry never
 * share a topic or a registry artifact.
 */
public final class ContractFixtures {

    private ContractFixtures() {
    }

    /** Every contract moved to {@code <domain>_<unique suffix>}: new raw and product topics, a new registry group. */
    public static List<Contract> inFreshDomain(List<Contract> contracts, String prefix) {
        String suffix = SpineTestKit.uniqueName(prefix).replace('-', '_');
        return contracts.stream().map(c -> withDomainAndSchema(c, c.domain() + "_" + suffix, c.avroSchema())).toList();
    }

    public static Contract inFreshDomain(Contract contract, String prefix) {
        return inFreshDomain(List.of(contract), prefix).get(0);
    }

    public static Contract withDomainAndSchema(Contract c, String domain, Schema schema) {
        return new Contract(domain + "." + c.dataProduct(), c.version(), c.majorVersion(), domain, c.dataProduct(), c.purpose(),
                c.team(), c.classification(), schema, c.keys(), c.dedup(), c.subject(), c.source(), c.pii(), c.rules(), c.slos(), c.sink(),
                c.compatibility(), c.location());
    }

    /**
     * Writes the contract files of {@code moved}'s original (under {@code schemas/<originalDomain>/<product>/v<major>})
     * into {@code contractsDir} with its new id and domain, for a service started from a contracts directory.
     */
    public static void writeFiles(Contract moved, Path schemas, String originalDomain, Path contractsDir) throws IOException {
        String version = "v" + moved.majorVersion();
        Path source = schemas.resolve(originalDomain).resolve(moved.dataProduct()).resolve(version);
        Path target = contractsDir.resolve(moved.domain()).resolve(moved.dataProduct()).resolve(version);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                String text = Files.readString(file).replace("id: " + originalDomain + "." + moved.dataProduct(), "id: " + moved.id())
                        .replace("domain: " + originalDomain, "domain: " + moved.domain());
                Files.writeString(target.resolve(file.getFileName()), text);
            }
        }
    }
}
