package io.meshspine.core.registry;

/** The registry could not be reached or answered 5xx: a transient fault, to retry, never a record's fault. */
public final class RegistryUnavailableException extends RuntimeException {

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
