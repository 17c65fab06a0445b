package io.meshspine.ingest.file;

/**
 * The broker or the registry could not be reached (or a transaction failed on the broker's side): transient. The
 * file's uncommitted chunk was aborted; the file stays in the landing area and is tried again after a back-off,
 * resuming after its last committed chunk. Never a reason to dead-letter or quarantine anything.
 */
public final class LaneUnavailableException extends RuntimeException {

    public LaneUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
