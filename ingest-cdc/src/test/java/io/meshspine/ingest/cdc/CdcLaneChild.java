package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.List;

/**
 * A CDC lane in a JVM of its own, capturing one table until it is killed, so that a test can SIGKILL it mid-stream.
 * Arguments: bootstrap servers, registry url, connector ({@code postgres}|{@code mariadb}), contract domain, table,
 * database, and optionally the heartbeat interval in seconds (else the crash tests' 1 s).
 */
public final class CdcLaneChild {

    private CdcLaneChild() {
    }

    public static void main(String[] args) throws Exception {
        CdcConnector connector = CdcConnector.valueOf(args[2].toUpperCase(java.util.Locale.ROOT));
        Contract contract = CdcContracts.inDomain(connector, args[3], args[4]);
        CdcConfig config = CdcLaneCrashTest.config(args[0], args[1], contract, args[5]);
        if (args.length > 6) {
            config = config.withHeartbeatInterval(Duration.ofSeconds(Long.parseLong(args[6])));
        }
        try (CdcLane lane = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
            while (true) {
                System.out.println("states " + lane.states());
                Thread.sleep(Duration.ofSeconds(1).toMillis());
            }
        }
    }
}
