package io.meshspine.core.contract;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Checks a contracts tree without acting on it: every contract parses, its schema is valid Avro
 * (logical types included), keys and PII fields exist, rules type-check against their fields and
 * CEL expressions compile. Returns every problem, each naming file, line and field; empty means valid.
 */
public final class ContractValidator {

    private ContractValidator() {
    }

    public static List<Problem> validate(Path root) {
        return ContractCatalog.read(root, Clock.systemUTC()).problems();
    }

    /** Validates the contracts packaged on the classpath under {@value ContractCatalog#CLASSPATH_PREFIX}/. */
    public static List<Problem> validateClasspath() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return ContractCatalog.readClasspath(ContractCatalog.CLASSPATH_PREFIX,
                loader != null ? loader : ContractValidator.class.getClassLoader(), Clock.systemUTC()).problems();
    }
}
