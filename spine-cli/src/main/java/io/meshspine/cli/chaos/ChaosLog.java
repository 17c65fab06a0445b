package io.meshspine.cli.chaos;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * A chaos run's own log (the embedded broker's, the feeds', the faults') goes to {@code chaos.log} in the run's
 * directory, beside each service's log: the broker complains loudly, and rightly, while it is being stopped and its
 * clients fenced, and the terminal is for the figures.
 */
final class ChaosLog {

    private ChaosLog() {
    }

    static void toFile(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} %msg %kvp%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("CHAOS");
        appender.setFile(file.toString());
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        context.getLogger("io.meshspine.cli.chaos").setLevel(Level.INFO);
        context.getLogger("io.meshspine.testkit").setLevel(Level.INFO);
    }
}
