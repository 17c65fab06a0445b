package io.meshspine.core.lineage;

/** Sends one serialised run event; throws when it could not (the emitter retries, counts and logs). */
public interface LineageTransport extends AutoCloseable {

    void send(RunEvent event, String json) throws Exception;

    @Override
    default void close() {
    }
}
