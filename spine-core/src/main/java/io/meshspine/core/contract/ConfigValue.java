package io.meshspine.core.contract;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A fixed choice written in lower case in contracts and config ({@code FULL_TRANSITIVE} would be
 * {@code full-transitive}). Enums implement it so the spelling rule lives in one place.
 */
public interface ConfigValue {

    String name();

    /** The value as written in a contract. */
    default String configValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E> & ConfigValue> Optional<E> parse(Class<E> type, String value) {
        return Arrays.stream(type.getEnumConstants()).filter(v -> v.configValue().equals(value)).findFirst();
    }
}
