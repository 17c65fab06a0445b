package io.meshspine.core.registry;

/**
 * The registry refused the spine itself (401, 403): its credentials or grants are wrong. Permanent and not any
 * record's fault: retrying will not help and dead-lettering would blame the data, so a service stops and says so.
 */
public final class RegistryAccessDeniedException extends RuntimeException {

    public RegistryAccessDeniedException(String message) {
        super(message);
    }
}
