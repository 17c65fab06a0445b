package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The schema evolution a contract promises within one major version. The names are the schema
 * registry's, so the mode can be set on the registry artifact as is. There is deliberately no
 * {@code NONE}: a breaking change is a new major version, with a new product topic.
 */
public enum CompatibilityMode {
    /** New readers read data written with the latest earlier schema. */
    BACKWARD(true, false, false),
    /** New readers read data written with every earlier schema. */
    BACKWARD_TRANSITIVE(true, false, true),
    /** Readers of the latest earlier schema read data written with the new one. */
    FORWARD(false, true, false),
    /** Readers of every earlier schema read data written with the new one. */
    FORWARD_TRANSITIVE(false, true, true),
    /** Backward and forward against the latest earlier schema. */
    FULL(true, true, false),
    /** Backward and forward against every earlier schema: the default. */
    FULL_TRANSITIVE(true, true, true);

    public static final CompatibilityMode DEFAULT = FULL_TRANSITIVE;

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityMode(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    public boolean backward() {
        return backward;
    }

    public boolean forward() {
        return forward;
    }

    /** Whether every earlier schema is checked, not just the latest. */
    public boolean transitive() {
        return transitive;
    }

    /** Accepts the registry's spelling in any case ({@code full_transitive} too). */
    public static Optional<CompatibilityMode> fromConfig(String value) {
        String upper = value.toUpperCase(Locale.ROOT).replace('-', '_');
        return Arrays.stream(values()).filter(m -> m.name().equals(upper)).findFirst();
    }
}
