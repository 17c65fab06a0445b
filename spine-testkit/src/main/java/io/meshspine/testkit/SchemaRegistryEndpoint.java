package io.meshspine.testkit;

/** An Apicurio Registry the spine can talk to: the child process this JVM started, or an external one. */
public interface SchemaRegistryEndpoint extends AutoCloseable {

    /** Base URL of the server, e.g. {@code http://127.0.0.1:43210}. */
    String baseUrl();

    /** The v3 core API, the value of the serdes' {@code apicurio.registry.url}. */
    default String registryUrl() {
        return baseUrl() + "/apis/registry/v3";
    }

    String describe();

    @Override
    void close();
}
