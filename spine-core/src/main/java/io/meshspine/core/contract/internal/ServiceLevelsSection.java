package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.ServiceLevels;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/** {@code slaProperties}: the SLOs the spine enforces (freshness and completeness); any other property is refused. */
final class ServiceLevelsSection {

    private final ContractFile file;

    ServiceLevelsSection(ContractFile file) {
        this.file = file;
    }

    ServiceLevels read(Mapping top) {
        YamlNode node = top.get("slaProperties");
        if (node == null) {
            return ServiceLevels.NONE;
        }
        Sequence seq = file.sequence(node, "slaProperties");
        if (seq == null) {
            return null;
        }
        Optional<Duration> freshness = Optional.empty();
        OptionalDouble completeness = OptionalDouble.empty();
        for (int i = 0; i < seq.items().size(); i++) {
            String where = "slaProperties[" + i + "]";
            Mapping m = file.mapping(seq.items().get(i), where);
            if (m == null) {
                continue;
            }
            file.unknownKeys(m, where, Set.of("property", "value", "unit", "element", "description"));
            String property = file.requiredString(m, "property", where);
            String value = file.requiredString(m, "value", where);
            if (property == null || value == null) {
                continue;
            }
            String unit = file.optionalString(m, "unit", where).orElse("");
            switch (property) {
                case "freshness" -> {
                    try {
                        freshness = Optional.of(Durations.parse(value + unit));
                    } catch (RuntimeException e) {
                        file.problem(m.lineOf("value"), null, where + ": freshness '" + value + unit + "' is not a duration (e.g. 15m, PT15M)");
                    }
                }
                case "completeness" -> {
                    try {
                        double share = new BigDecimal(value).doubleValue();
                        if ("%".equals(unit)) {
                            share /= 100;
                        }
                        if (!(share > 0 && share <= 1)) {
                            file.problem(m.lineOf("value"), null, where + ": completeness must be in (0, 1] (or (0, 100] with unit %)");
                        } else {
                            completeness = OptionalDouble.of(share);
                        }
                    } catch (NumberFormatException e) {
                        file.problem(m.lineOf("value"), null, where + ": completeness '" + value + "' is not a number");
                    }
                }
                default -> file.problem(m.lineOf("property"), null, where + ".property: '" + property
                        + "' is not one the spine enforces; expected freshness or completeness");
            }
        }
        return new ServiceLevels(freshness, completeness);
    }
}
