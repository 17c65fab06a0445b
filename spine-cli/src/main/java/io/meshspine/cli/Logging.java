package io.meshspine.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.net.URL;

final class Logging {

    static final String FORMAT_VARIABLE = "SPINE_LOG_FORMAT";

    private Logging() {
    }

    /** Libraries that log through java.util.logging (Apicurio's client, Debezium pieces) end up in logback too. */
    static void routeEverythingThroughSlf4j() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    /**
     * JSON lines for the production run modes (a log shipper reads fields, not prose), text for people at a terminal;
     * {@code SPINE_LOG_FORMAT=json|text} overrides either.
     */
    static void chooseFormat(String[] args, String formatVariable) {
        boolean json = formatVariable != null ? formatVariable.equalsIgnoreCase("json") : args.length > 0 && args[0].equals("run");
        if (!json) {
            return;
        }
        URL config = Logging.class.getClassLoader().getResource("logback-json.xml");
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context) || config == null) {
            return;
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            System.err.println("spine: JSON logging could not be configured (" + e.getMessage() + "); logging as text");
        }
    }
}
