package io.meshspine.sink;

/** The sink's life, changed in one place and logged on every change. */
public enum SinkState {
    STARTING, RUNNING, STOPPING, STOPPED, FAILED
}
