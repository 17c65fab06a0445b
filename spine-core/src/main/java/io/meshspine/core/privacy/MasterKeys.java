package io.meshspine.core.privacy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The master key new data keys are wrapped with, and the previous ones still accepted for unwrapping while a rotation
 * re-wraps the data keys ({@code privacy.previous-master-keys}).
 */
public record MasterKeys(MasterKey current, List<MasterKey> previous) {

    public MasterKeys {
        Objects.requireNonNull(current, "current");
        previous = List.copyOf(previous);
    }

    public static MasterKeys of(MasterKey current) {
        return new MasterKeys(current, List.of());
    }

    public Optional<MasterKey> find(String id) {
        if (current.id().equals(id)) {
            return Optional.of(current);
        }
        return previous.stream().filter(k -> k.id().equals(id)).findFirst();
    }
}
