package io.meshspine.dlq;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The dead letters a filter selected within the caller's domains (oldest first per DLQ partition), the scope that
 * says whether others were left out, and the domains the selected ones belong to (what the audit entry names).
 */
public record Selection(List<QueuedDeadLetter> letters, Scope scope, Set<String> domains) {

    public Selection {
        letters = List.copyOf(letters);
        domains = Set.copyOf(domains);
    }

    public Selection where(Predicate<QueuedDeadLetter> keep) {
        return new Selection(letters.stream().filter(keep).toList(), scope, domains);
    }

    public Selection first(int max) {
        return max > 0 && letters.size() > max ? new Selection(letters.subList(0, max), scope, domains) : this;
    }

    public int size() {
        return letters.size();
    }

    public List<String> ids() {
        return letters.stream().map(QueuedDeadLetter::id).toList();
    }
}
