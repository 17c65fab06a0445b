package io.meshspine.dlq.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.dlq.AccessDeniedException;
import io.meshspine.dlq.AuditEntry;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.Role;
import io.meshspine.dlq.Steward;


import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may do what to which dead letters. The role decides the action (viewer: read; steward: also change and read the
 * audit; admin: everything); the domains of the caller's token decide the dead letters: a dead letter belongs to its
 * contract's domain, else to the domain its raw source topic names, else to admins only. Viewers never see PII;
 * stewards see their own domains' PII.
 */
public final class AccessPolicy {

    private final DeadLetterContracts contracts;
    private final Map<List<String>, Optional<String>> domains = new ConcurrentHashMap<>();

    public AccessPolicy(DeadLetterContracts contracts) {
        this.contracts = contracts;
    }

    public void require(Steward who, Role needed, String action) {
        if (!who.may(needed)) {
            throw new AccessDeniedException(who.name() + " (" + who.role().configValue() + ") may not " + action + ": it needs "
                    + needed.configValue());
        }
    }

    public Optional<String> domainOf(DeadLetter d) {
        return contracts.domainOf(d);
    }

    /** Whether the dead letter is within the caller's domains (admins: all of them, those of no domain included). */
    public boolean maySee(Steward who, DeadLetter d) {
        return who.role() == Role.ADMIN || domainOf(d).map(who::inDomain).orElse(false);
    }

    /**
     * As {@link #maySee(Steward, DeadLetter)} for what the queue's index holds: the same contract-or-source-topic rule
     * ({@link DeadLetterContracts#domainOf}), decided once per contract and source topic.
     */
    public boolean maySee(Steward who, String contract, String sourceTopic) {
        return who.role() == Role.ADMIN || domainOf(contract, sourceTopic).map(who::inDomain).orElse(false);
    }

    public Optional<String> domainOf(String contract, String sourceTopic) {
        return domains.computeIfAbsent(Arrays.asList(contract, sourceTopic), k -> contracts.domainOf(contract, sourceTopic));
    }

    public void requireSee(Steward who, DeadLetter d) {
        if (!maySee(who, d)) {
            throw new AccessDeniedException(who.name() + " may not see dead letter " + d.id() + ": it belongs to "
                    + domainOf(d).map(x -> "domain " + x).orElse("no domain (admins only)") + ", not to " + who.domains());
        }
    }

    public boolean maySeePii(Steward who, DeadLetter d) {
        Optional<String> domain = domainOf(d);
        return domain.isPresent() ? who.maySeePiiOf(domain.get()) : who.role() == Role.ADMIN;
    }

    /**
     * A filter on a PII field ({@code where}) of a contract within the caller's domains needs the right to see that
     * domain's PII: a viewer could otherwise learn a value by guessing it.
     */
    public void requireFilterable(Steward who, DeadLetterFilter filter) {
        for (Contract c : contracts.catalog().contracts()) {
            if (!who.inDomain(c.domain())) {
                continue;
            }
            for (String f : filter.whereFields()) {
                if (c.piiField(f).isPresent() && !who.maySeePiiOf(c.domain())) {
                    throw new AccessDeniedException(who.name() + " may not filter on PII field " + f + " of domain " + c.domain());
                }
            }
        }
    }

    /** Stewards read the audit entries about their own domains only, and their own; admins all of it. */
    public boolean maySee(Steward who, AuditEntry entry) {
        if (who.role() == Role.ADMIN || who.domains().contains(Steward.ALL_DOMAINS)) {
            return true;
        }
        if (who.name().equals(entry.who())) {
            return true;
        }
        return !entry.domains().isEmpty() && entry.domains().stream().allMatch(who::inDomain);
    }
}
