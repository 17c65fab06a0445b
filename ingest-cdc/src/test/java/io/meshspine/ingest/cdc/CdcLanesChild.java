package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several CDC lanes in one JVM of their own, each started when the test says so (a line {@code start <n>} on stdin),
 * so that one child serves several crash cases: the test brings each lane to the point it wants (one past its
 * snapshot, the next mid-snapshot) and kills them all with one SIGKILL. One JVM start instead of one per case.
 *
 * <p>Arguments: bootstrap servers, registry url, then one spec per lane:
 * {@code <connector>|<database>|<heartbeat seconds>|<domain>/<table>[,<domain>/<table>...]}; the contracts of a spec
 * share one lane (one engine per database), configured as {@link SnapshotCrashTest#config} does for the restarted lane.
 */
public final class CdcLanesChild {

    private CdcLanesChild() {
    }

    /** The spec of a lane capturing {@code contracts} of {@code database}, for the child's arguments. */
    static String spec(CdcConnector connector, String database, Duration heartbeat, List<Contract> contracts) {
        return connector.configValue() + "|" + database + "|" + heartbeat.toSeconds() + "|"
                + String.join(",", contracts.stream().map(c -> c.domain() + "/" + io.meshspine.ingest.cdc.internal.ConnectorProperties.binding(c).table()).toList());
    }

    public static void main(String[] args) throws Exception {
        List<String> specs = Arrays.asList(args).subList(2, args.length);
        List<CdcLane> lanes = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("start ")) {
                    continue;
                }
                String[] spec = specs.get(Integer.parseInt(line.substring("start ".length()).trim())).split("\\|");
                CdcConnector connector = CdcConnector.valueOf(spec[0].toUpperCase(java.util.Locale.ROOT));
                List<Contract> contracts = Arrays.stream(spec[3].split(",")).map(dt -> dt.split("/"))
                        .map(dt -> CdcContracts.inDomain(connector, dt[0], dt[1])).toList();
                CdcConfig config = SnapshotCrashTest.config(args[0], args[1], spec[1], Duration.ofSeconds(Long.parseLong(spec[2])), contracts);
                lanes.add(CdcLane.start(config, contracts, new SimpleMeterRegistry()));
                System.out.println("started " + spec[3]);
            }
            // The test kills this JVM and never closes its stdin first: an end of input means the test JVM is gone, so
            // the lanes stop rather than outlive it.
        } finally {
            lanes.forEach(CdcLane::close);
        }
    }
}
