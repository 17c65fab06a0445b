package io.meshspine.core.contract;

import java.util.List;
import java.util.stream.Collectors;

/** Contracts that cannot be used; carries every problem found, not just the first. */
public final class InvalidContractsException extends RuntimeException {
    private final List<Problem> problems;

    public InvalidContractsException(List<Problem> problems) {
        super(problems.size() + " contract problem(s):\n  "
                + problems.stream().map(Problem::toString).collect(Collectors.joining("\n  ")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
