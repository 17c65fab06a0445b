package io.meshspine.core.lineage;

/**
 * The chosen transport and {@code spine.lineage} together ({@code lineage.run-history}): the topic feeds the run
 * history whatever the transport. An event the primary took is not sent to it again when the emitter retries because
 * the topic failed (the emitter's one sender thread calls this, so the last event taken is a plain field).
 */
final class TeeTransport implements LineageTransport {

    private final LineageTransport primary;
    private final LineageTransport topic;
    private RunEvent primaryTook;

    TeeTransport(LineageTransport primary, LineageTransport topic) {
        this.primary = primary;
        this.topic = topic;
    }

    @Override
    public void send(RunEvent event, String json) throws Exception {
        if (primaryTook != event) {
            primary.send(event, json);
            primaryTook = event;
        }
        topic.send(event, json);
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            topic.close();
        }
    }
}
