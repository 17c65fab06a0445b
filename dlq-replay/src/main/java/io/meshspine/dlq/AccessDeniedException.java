package io.meshspine.dlq;

/** The caller's role or domains do not allow the action (HTTP 403; audited). */
public final class AccessDeniedException extends RuntimeException {
    public AccessDeniedException(String message) {
        super(message);
    }
}
