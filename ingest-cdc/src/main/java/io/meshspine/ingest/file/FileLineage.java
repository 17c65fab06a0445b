package io.meshspine.ingest.file;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import io.meshspine.core.topic.Topics;

import java.util.List;

/**
 * The file lane's lineage: one run per landed file, from the file (as dropped, in the landing area) to the contract's
 * raw topic and {@code spine.dlq}. Ingested and skipped files COMPLETE with their rows; a quarantined file FAILs with
 * the quarantine reason; a transient fault FAILs the run too (the next attempt is a run of its own).
 */
final class FileLineage {

    private final LineageEmitter emitter;
    private final FileLaneConfig config;

    FileLineage(LineageEmitter emitter, FileLaneConfig config) {
        this.emitter = emitter;
        this.config = config;
    }

    static String job(Contract contract) {
        return "file-lane." + contract.qualifiedName();
    }

    LineageRun begin(Landing.LandedFile file, Contract contract) {
        return emitter.begin(job(contract), RunKind.FILE, null, List.of(input(file)), outputs(contract)).serviceLevels(contract.slos());
    }

    void ended(LineageRun run, Landing.LandedFile file, Contract contract, FileOutcome outcome) {
        RunSummary summary = new RunSummary(RunKind.FILE, outcome.rows() + outcome.deadLetters(), outcome.rows(), outcome.deadLetters());
        if (outcome.result() == FileOutcome.Result.QUARANTINED) {
            run.fail("quarantined: " + outcome.reason(), summary, List.of(input(file)), outputs(contract));
        } else {
            run.complete(summary, List.of(input(file)), outputs(contract));
        }
    }

    void failed(LineageRun run, Landing.LandedFile file, Contract contract, RuntimeException e) {
        run.fail(e.getClass().getSimpleName() + ": " + e.getMessage(), new RunSummary(RunKind.FILE, 0, 0, 0), List.of(input(file)), outputs(contract));
    }

    private InputDataset input(Landing.LandedFile file) {
        String location = config.landingUri() != null
                ? config.landingUri().replaceAll("/+$", "") + "/" + file.path()
                : config.landingRoot().resolve(file.path()).toString();
        return Datasets.storageInput(location);
    }

    private List<OutputDataset> outputs(Contract contract) {
        OutputDataset raw = Datasets.kafkaOutput(config.bootstrapServers(), contract.rawTopic())
                .withFacet(Facets.SCHEMA, Facets.schema(contract.avroSchema()))
                .withFacet(Facets.OWNERSHIP, Facets.ownership(contract.team()));
        return List.of(raw, Datasets.kafkaOutput(config.bootstrapServers(), Topics.DLQ));
    }
}
