package io.meshspine.testkit;

import java.io.IOException;

/**
 * Runs a broker and a registry until standard input closes, printing where they listen. Lets a second JVM (or a
 * developer) share nothing with the first; the parallel-JVM test uses it.
 */
public final class SpineInfrastructureMain {

    private SpineInfrastructureMain() {
    }

    public static void main(String[] args) throws IOException {
        try (SpineInfrastructure infrastructure = SpineInfrastructure.startFromEnvironment()) {
            System.out.println("bootstrap.servers=" + infrastructure.kafka().bootstrapServers());
            System.out.println("registry.url=" + infrastructure.registry().registryUrl());
            if (infrastructure.registry() instanceof ApicurioRegistryServer server) {
                System.out.println("registry.pid=" + server.pid());
            }
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() != -1) {
                // Block until our parent closes the pipe.
            }
        }
    }
}
