package io.meshspine.core.privacy;

import java.util.Objects;
import java.util.Optional;

/**
 * Whose key encrypts a value: one data subject of a contract domain (the value of the contract's subject field), or
 * the whole domain (contracts without a subject, and bytes whose subject cannot be read, e.g. undecodable records).
 * The subject value is personal data: a scope is only ever stored or logged as its {@link SubjectHasher HMAC}.
 */
public record KeyScope(String domain, Optional<String> subject) {

    public KeyScope {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(subject, "subject");
    }

    public static KeyScope subject(String domain, String subjectValue) {
        return new KeyScope(domain, Optional.of(subjectValue));
    }

    public static KeyScope domain(String domain) {
        return new KeyScope(domain, Optional.empty());
    }

    @Override
    public String toString() {
        // never the subject value
        return subject.isPresent() ? "KeyScope[" + domain + ", a subject]" : "KeyScope[" + domain + "]";
    }
}
