package io.meshspine.ingest.file;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.ContractFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.util.List;

/**
 * A file lane in a JVM of its own, ingesting one file, so that a test can kill it with SIGKILL mid-file.
 * Arguments: bootstrap servers, registry url, contract domain, landing root, transactional id, chunk rows, file.
 */
public final class FileLaneChild {

    private FileLaneChild() {
    }

    public static void main(String[] args) throws Exception {
        Contract sample = ContractCatalog.fromClasspath().find("lending.loan_applications", 1).orElseThrow();
        Contract contract = ContractFixtures.withDomainAndSchema(sample, args[2], sample.avroSchema());
        FileLaneConfig config = FileLaneConfig.defaults(args[0], args[1], Path.of(args[3])).withTransactionalId(args[4])
                .withChunkRows(Integer.parseInt(args[5]));
        try (FileLane lane = FileLane.open(config, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry())) {
            System.out.println("outcome " + lane.ingest(Path.of(args[6])));
        }
    }
}
