package io.meshspine.dlq;

import java.util.Locale;

/** What a caller of the workbench may do; each role includes the ones before it. */
public enum Role {
    /** List, summary, inspect with PII masked. */
    VIEWER,
    /** Also repair, recheck, replay, park, resolve, read the audit; sees the PII of their own domains. */
    STEWARD,
    /** Everything, PII of every domain included. */
    ADMIN;

    public boolean includes(Role other) {
        return ordinal() >= other.ordinal();
    }

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromConfig(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
