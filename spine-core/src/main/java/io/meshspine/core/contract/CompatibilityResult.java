package io.meshspine.core.contract;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of checking one schema against its earlier versions.
 *
 * @param subject       what was checked (a contract's qualified name, usually)
 * @param comparedWith  the earlier versions actually compared, newest first (empty: nothing to break)
 * @param skipped       earlier versions that could not be read, with why; they are reported, not judged
 */
public record CompatibilityResult(String subject, CompatibilityMode mode, List<String> comparedWith,
                                  List<Incompatibility> incompatibilities, List<String> skipped) {
    public CompatibilityResult {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(mode, "mode");
        comparedWith = List.copyOf(comparedWith);
        incompatibilities = List.copyOf(incompatibilities);
        skipped = List.copyOf(skipped);
    }

    public boolean compatible() {
        return incompatibilities.isEmpty();
    }
}
