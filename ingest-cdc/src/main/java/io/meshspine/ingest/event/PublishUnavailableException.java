package io.meshspine.ingest.event;

/** The broker or the registry could not be reached in time: nothing about the records, try again later. */
public final class PublishUnavailableException extends RuntimeException {

    public PublishUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
