package io.meshspine.dlq;

import java.util.Objects;
import java.util.Set;

/**
 * Who acts on the queue: the name the audit records, a role, the domains whose dead letters they may see and act on
 * ({@code *} for all), and how they were identified. Admins see every domain; stewards and viewers only their own.
 */
public record Steward(String name, Role role, Set<String> domains, Via via) {

    public static final String ALL_DOMAINS = "*";

    /** How a caller was identified: the audit records it beside the name. */
    public enum Via {
        /** A bearer token of the configured ones (HTTP, or the CLI's {@code --token}). */
        TOKEN,
        /** The CLI's {@code --local-admin}: someone at a terminal with the cluster's credentials, acting as admin. */
        LOCAL_ADMIN,
        /** The spine itself (metrics of the queue's depth): reads, never writes. */
        SERVICE;

        public String configValue() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public Steward {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(via, "via");
        domains = Set.copyOf(domains);
    }

    /** A caller identified by a token. */
    public Steward(String name, Role role, Set<String> domains) {
        this(name, role, domains, Via.TOKEN);
    }

    /** The CLI's local admin mode: admin of every domain, and the audit says so. */
    public static Steward localAdmin(String name) {
        return new Steward(name, Role.ADMIN, Set.of(ALL_DOMAINS), Via.LOCAL_ADMIN);
    }

    /** The spine's own reader of the queue (depth metrics). */
    public static Steward operator(String name) {
        return new Steward(name, Role.ADMIN, Set.of(ALL_DOMAINS), Via.SERVICE);
    }

    public boolean may(Role needed) {
        return role.includes(needed);
    }

    /** Whether dead letters of this domain are the caller's: admins all; others the domains of their token. */
    public boolean inDomain(String domain) {
        if (role == Role.ADMIN) {
            return true;
        }
        return domain != null && (domains.contains(ALL_DOMAINS) || domains.contains(domain));
    }

    /** Whether the caller may see every domain (nothing is ever narrowed for them). */
    public boolean allDomains() {
        return role == Role.ADMIN || domains.contains(ALL_DOMAINS);
    }

    /** Admins see every domain's PII; stewards their own domains'; viewers none. */
    public boolean maySeePiiOf(String domain) {
        return role.includes(Role.STEWARD) && inDomain(domain);
    }
}
