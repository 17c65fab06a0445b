package io.meshspine.dlq;

/**
 * A replay target that is not a raw topic of the selected dead letters' own contract (a product topic, an internal
 * one, another contract's): refused before anything is published (HTTP 400; audited), so every replay passes the gate.
 */
public final class ReplayTargetRefusedException extends IllegalArgumentException {
    public ReplayTargetRefusedException(String message) {
        super(message);
    }
}
