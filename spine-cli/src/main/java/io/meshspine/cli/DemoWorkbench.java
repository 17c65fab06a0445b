package io.meshspine.cli;

import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.cli.run.DlqDepthGauges;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.dlq.ApiToken;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.DlqApiServer;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.testkit.FreePorts;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** The stewards' workbench beside the demo: its HTTP API and web page, with a one-run steward token printed once. */
final class DemoWorkbench implements AutoCloseable {

    private final DlqWorkbench workbench;
    private final DlqApiServer server;
    private final DlqDepthGauges gauges;

    private DemoWorkbench(DlqWorkbench workbench, DlqApiServer server, DlqDepthGauges gauges) {
        this.workbench = workbench;
        this.server = server;
        this.gauges = gauges;
    }

    static DemoWorkbench start(ContractCatalog contracts, String bootstrap, String registryUrl, int preferredPort,
                               io.meshspine.core.lineage.LineageConfig lineage, SpineMetrics metrics,
                               io.meshspine.core.ops.Health health, PrintStream out) {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String token = "demo-" + HexFormat.of().formatHex(random);
        String domains = String.join(",", contracts.contracts().stream().map(c -> c.domain()).distinct().toList());
        ApiToken steward = ApiToken.parse("demo-steward=" + ApiToken.hash(token) + ";steward;" + domains);
        DlqWorkbench workbench = DlqWorkbench.open(DlqConfig.defaults(bootstrap, registryUrl)
                .withHttpPort(FreePorts.preferredOrNext(preferredPort)).withTokens(List.of(steward)).withLineage(lineage), contracts);
        DlqApiServer server = DlqApiServer.start(workbench);
        DlqDepthGauges gauges = DlqDepthGauges.start(workbench, metrics, Duration.ofSeconds(5));
        health.register("dlq-api", gauges);
        out.printf("  dlq       %s/  (stewards' web page and API; bearer token for this run: %s)%n", stripSlash(server.url().toString()), token);
        return new DemoWorkbench(workbench, server, gauges);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public void close() {
        gauges.close();
        server.close();
        workbench.close();
    }
}
