package io.meshspine.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

final class Logging {

    private Logging() {
    }

    /** Libraries that log through java.util.logging (Apicurio's client, Debezium pieces) end up in logback too. */
    static void routeEverythingThroughSlf4j() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }
}
