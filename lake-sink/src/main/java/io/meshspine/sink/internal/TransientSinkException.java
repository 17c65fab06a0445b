package io.meshspine.sink.internal;

/**
 * The batch could not be committed for a reason that passes (broker, registry or store unreachable): it is abandoned,
 * its partitions re-read from the Delta log's txn versions after a back-off, and nothing is dead-lettered for it.
 */
public final class TransientSinkException extends RuntimeException {
    public TransientSinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
