package io.meshspine.dlq;

import java.util.Objects;
import java.util.Set;

/**
 * Who acts on the queue: the name the audit records, a role, and the domains whose PII they may see ({@code *} for
 * all). The CLI acts as the operating-system user; the HTTP API as the token's name.
 */
public record Steward(String name, Role role, Set<String> domains) {

    public static final String ALL_DOMAINS = "*";

    public Steward {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        domains = Set.copyOf(domains);
    }

    /** Someone at a terminal with the cluster's credentials: the CLI's caller, who may do anything. */
    public static Steward operator(String name) {
        return new Steward(name, Role.ADMIN, Set.of(ALL_DOMAINS));
    }

    public boolean may(Role needed) {
        return role.includes(needed);
    }

    /** Admins see every domain's PII; stewards their own domains'; viewers none. */
    public boolean maySeePiiOf(String domain) {
        if (role == Role.ADMIN) {
            return true;
        }
        return role == Role.STEWARD && domain != null && (domains.contains(ALL_DOMAINS) || domains.contains(domain));
    }
}
