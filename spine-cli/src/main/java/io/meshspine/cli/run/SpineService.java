package io.meshspine.cli.run;

import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.SpineMetrics;

/** A part of the spine that runs on its own machines: `./spine run <name> --config <file>`. */
public interface SpineService {

    /** As typed after {@code ./spine run}. */
    String name();

    /** What it does, one line, for the usage text and the README. */
    String description();

    /** Its declared settings (the shared ones included). */
    ConfigDef definition();

    /**
     * Starts it: registers its readiness checks in {@code health} and its meters in {@code metrics}. Closing the result
     * stops it cleanly (in-flight work finished or safely abandoned, nothing lost).
     */
    AutoCloseable start(SpineConfig config, ContractCatalog contracts, SpineMetrics metrics, Health health) throws Exception;
}
