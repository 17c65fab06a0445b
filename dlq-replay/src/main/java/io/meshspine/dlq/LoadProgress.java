package io.meshspine.dlq;

/** Told how far a load of the queue has got (a first load of a large DLQ takes a while): records read of those behind. */
@FunctionalInterface
public interface LoadProgress {

    LoadProgress NONE = (topic, read, behind, done) -> { };

    /** Called about once a second while a topic is read, and once when it is caught up ({@code done}). */
    void loaded(String topic, long read, long behind, boolean done);
}
