package io.meshspine.dlq;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A bearer token of the HTTP API as configuration holds it: a name (what the audit records), the token's SHA-256
 * ({@code sha256:<hex>}; the plain token is never stored or logged), a role and the domains whose PII it may see.
 * Written in configuration as {@code <name>=sha256:<hex>;<role>[;<domain>,<domain>...]}.
 */
public record ApiToken(String name, String sha256, Role role, Set<String> domains) {

    private static final String PREFIX = "sha256:";

    public ApiToken {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if (sha256 == null || !sha256.startsWith(PREFIX) || sha256.length() != PREFIX.length() + 64) {
            throw new IllegalArgumentException("token " + name + ": the hash must be sha256:<64 hex digits>");
        }
        sha256 = sha256.toLowerCase(Locale.ROOT);
        domains = Set.copyOf(domains);
    }

    /** {@code sha256:<hex>} of a plain token: what goes into configuration. */
    public static String hash(String plainToken) {
        return PREFIX + HexFormat.of().formatHex(digest(plainToken));
    }

    static byte[] digest(String plainToken) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(plainToken.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the plain token hashes to this one; compares in constant time. */
    public boolean matches(byte[] presentedDigest) {
        return MessageDigest.isEqual(HexFormat.of().parseHex(sha256.substring(PREFIX.length())), presentedDigest);
    }

    /** The configured token the plain one hashes to; every token is compared, each in constant time. */
    public static java.util.Optional<ApiToken> find(java.util.List<ApiToken> tokens, String plainToken) {
        byte[] digest = digest(plainToken);
        ApiToken found = null;
        for (ApiToken t : tokens) {
            if (t.matches(digest)) {
                found = t;
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    public Steward steward() {
        return new Steward(name, role, domains);
    }

    /** Parses {@code <name>=sha256:<hex>;<role>[;<domain>,...]}. */
    public static ApiToken parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq < 1) {
            throw new IllegalArgumentException("a token is <name>=sha256:<hex>;<role>[;<domains>], got something else");
        }
        String name = spec.substring(0, eq).trim();
        String[] parts = spec.substring(eq + 1).split(";");
        if (parts.length < 2) {
            throw new IllegalArgumentException("token " + name + ": expected sha256:<hex>;<role>[;<domains>]");
        }
        Role role;
        try {
            role = Role.fromConfig(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token " + name + ": role '" + parts[1].trim() + "' is none of "
                    + Arrays.stream(Role.values()).map(Role::configValue).toList());
        }
        Set<String> domains = new LinkedHashSet<>();
        if (parts.length > 2) {
            for (String d : parts[2].split(",")) {
                if (!d.isBlank()) {
                    domains.add(d.trim());
                }
            }
        }
        return new ApiToken(name, parts[0].trim(), role, domains);
    }

    /** The hash is not secret, but nothing about tokens needs printing beyond name and role. */
    @Override
    public String toString() {
        return "ApiToken[" + name + ", " + role.configValue() + ", domains " + domains + "]";
    }
}
