package io.meshspine.testkit;

import io.meshspine.testkit.internal.TempDirs;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) running inside this JVM, bound to
 * 127.0.0.1 on free ports, configured so that exactly-once (EOS v2) applications work on one node.
 *
 * <p>We do not use Kafka's own KafkaClusterTestKit: it binds every interface and enables testing-only metadata
 * versions. This class formats a fresh log directory and starts {@link KafkaRaftServer} exactly as the
 * {@code kafka-server-start} script would.
 */
public final class EmbeddedKafkaBroker implements KafkaEndpoint {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int START_ATTEMPTS = 3;

    private final Path logDir;
    private final int port;
    private final int saslPort;
    private final int controllerPort;
    private KafkaRaftServer server;
    private boolean stopped;
    private volatile boolean closed;

    private EmbeddedKafkaBroker(Path logDir, int port, int saslPort, int controllerPort, KafkaRaftServer server) {
        this.logDir = logDir;
        this.port = port;
        this.saslPort = saslPort;
        this.controllerPort = controllerPort;
        this.server = server;
    }

    /** Stops the broker as an outage would, keeping its log directory and ports for {@link #restart()}. */
    public synchronized void stop() {
        if (stopped || closed) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        stopped = true;
        log.info("kafka broker stopped for an outage bootstrap={}", bootstrapServers());
    }

    /** Starts the stopped broker again on the same data and ports: what its clients see after an outage. */
    public synchronized void restart() {
        if (!stopped) {
            return;
        }
        server = new KafkaRaftServer(new KafkaConfig(brokerProperties(logDir, port, saslPort, controllerPort), false), Time.SYSTEM);
        server.startup();
        stopped = false;
        log.info("kafka broker restarted bootstrap={}", bootstrapServers());
    }

    /** Formats a new log directory and starts the broker; retries with fresh ports if one was taken meanwhile. */
    public static EmbeddedKafkaBroker start() {
        return start(0);
    }

    /** As {@link #start()}, listening on {@code preferredPort} when it is free (0: any free port). */
    public static EmbeddedKafkaBroker start(int preferredPort) {
        guardJvmAgainstBrokerExit();
        RuntimeException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path dir = TempDirs.create("spine-kafka-");
            int port = attempt == 1 ? FreePorts.preferredOrNext(preferredPort) : FreePorts.next();
            int saslPort = FreePorts.next();
            int controllerPort = FreePorts.next();
            try {
                KafkaRaftServer server = format(dir, port, saslPort, controllerPort);
                server.startup();
                log.info("kafka broker started bootstrap=127.0.0.1:{} saslBootstrap=127.0.0.1:{} logDir={}", port, saslPort, dir);
                return new EmbeddedKafkaBroker(dir, port, saslPort, controllerPort, server);
            } catch (RuntimeException e) {
                last = e;
                log.warn("kafka broker failed to start attempt={} port={} reason={}", attempt, port, e.toString());
                TempDirs.deleteQuietly(dir);
            }
        }
        throw new IllegalStateException("the embedded Kafka broker did not start after " + START_ATTEMPTS + " attempts", last);
    }

    private static KafkaRaftServer format(Path dir, int port, int saslPort, int controllerPort) {
        Map<String, String> props = brokerProperties(dir, port, saslPort, controllerPort);
        KafkaConfig config = new KafkaConfig(props, false);
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(dir.toString()))
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka log directory " + dir, e);
        }
        return new KafkaRaftServer(config, Time.SYSTEM);
    }

    /**
     * The single-node settings of STACK.md; without the transaction-log overrides EOS v2 times out on one node. Besides the
     * plaintext listener every test uses, a SASL/PLAIN listener ({@link #saslListener()}) lets a test prove that a
     * service hands its {@code kafka.*} settings to every client it makes: a client without them cannot talk to it.
     */
    static Map<String, String> brokerProperties(Path dir, int port, int saslPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort + ","
                + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " user_" + SaslListener.USER + "=\"" + SaslListener.PASSWORD + "\";");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("metadata.log.dir", dir.toString());
        // Topics are provisioned explicitly (./spine contracts provision, test helpers): a typo must not create one.
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The 128 MB default dedupe buffer bloats a test broker for no benefit.
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        p.put("delete.topic.enable", "true");
        return Map.copyOf((Map) p);
    }

    /** A broker fault must not be able to call System.exit/halt on the JVM that runs our tests or the demo. */
    private static void guardJvmAgainstBrokerExit() {
        Exit.setExitProcedure((code, message) -> log.error("kafka broker asked to exit code={} message={}", code, message));
        Exit.setHaltProcedure((code, message) -> log.error("kafka broker asked to halt code={} message={}", code, message));
    }

    @Override
    public String bootstrapServers() {
        return FreePorts.LOOPBACK + ":" + port;
    }

    @Override
    public java.util.Optional<SaslListener> saslListener() {
        return java.util.Optional.of(new SaslListener(FreePorts.LOOPBACK + ":" + saslPort));
    }

    @Override
    public String describe() {
        return "embedded KRaft broker (Kafka " + org.apache.kafka.common.utils.AppInfoParser.getVersion() + ") at " + bootstrapServers();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!stopped) {
                server.shutdown();
                server.awaitShutdown();
            }
        } finally {
            TempDirs.deleteQuietly(logDir);
            log.info("kafka broker stopped bootstrap={}", bootstrapServers());
        }
    }
}
