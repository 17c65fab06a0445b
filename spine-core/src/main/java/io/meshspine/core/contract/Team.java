package io.meshspine.core.contract;

import java.util.Objects;

/** Who answers for a data product: the owning team and an accountable owner (a person or mailbox). */
public record Team(String name, String owner) {
    public Team {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
    }
}
