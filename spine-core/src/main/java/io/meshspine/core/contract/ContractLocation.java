package io.meshspine.core.contract;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a contract was read from.
 *
 * @param contractFile the contract as shown in messages (a path, or {@code classpath:contracts/...})
 * @param schemaFile   its Avro schema, shown the same way
 * @param schemaPath   the schema on the local file system, when it was read from there: the
 *                     compatibility check needs it to find the schema's git history
 */
public record ContractLocation(String contractFile, String schemaFile, Optional<Path> schemaPath) {
    public ContractLocation {
        Objects.requireNonNull(contractFile, "contractFile");
        Objects.requireNonNull(schemaFile, "schemaFile");
        Objects.requireNonNull(schemaPath, "schemaPath");
    }
}
