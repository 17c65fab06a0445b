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

/**
 * The stewards' workbench beside the demo: its HTTP API and web page, with one-run steward and admin tokens printed
 * once; the admin's serves {@code POST /api/privacy/erasures} over the demo's lake (issue 16).
 */
final class DemoWorkbench implements AutoCloseable {

    private final DlqWorkbench workbench;
    private final DlqApiServer server;
    private final DlqDepthGauges gauges;
    private final io.meshspine.cli.privacy.WorkbenchErasures erasures;
    private final String stewardToken;
    private final String adminToken;

    private DemoWorkbench(DlqWorkbench workbench, DlqApiServer server, DlqDepthGauges gauges, io.meshspine.cli.privacy.WorkbenchErasures erasures,
                          String stewardToken, String adminToken) {
        this.workbench = workbench;
        this.server = server;
        this.gauges = gauges;
        this.erasures = erasures;
        this.stewardToken = stewardToken;
        this.adminToken = adminToken;
    }

    /**
     * @param lakeRoot    the demo sink's lake, where an erasure deletes the subject's Silver rows
     * @param gateHashKey the demo gate's hash key (Silver holds the subject's HMAC under it)
     */
    static DemoWorkbench start(ContractCatalog contracts, String bootstrap, String registryUrl, int preferredPort,
                               io.meshspine.core.lineage.LineageConfig lineage, SpineMetrics metrics,
                               io.meshspine.core.ops.Health health, String lakeRoot, String gateHashKey, PrintStream out) {
        String token = oneRunToken();
        String adminToken = oneRunToken();
        String domains = String.join(",", contracts.contracts().stream().map(c -> c.domain()).distinct().toList());
        ApiToken steward = ApiToken.parse("demo-steward=" + ApiToken.hash(token) + ";steward;" + domains);
        ApiToken admin = ApiToken.parse("demo-admin=" + ApiToken.hash(adminToken) + ";admin");
        // The demo's privacy keys are the built-in demo ones (DlqConfig's default), as its sink's and gate's are.
        DlqWorkbench workbench = DlqWorkbench.open(DlqConfig.defaults(bootstrap, registryUrl)
                .withHttpPort(FreePorts.preferredOrNext(preferredPort)).withTokens(List.of(steward, admin)).withLineage(lineage), contracts);
        io.meshspine.cli.privacy.WorkbenchErasures erasures = null;
        DlqApiServer server;
        try {
            erasures = io.meshspine.cli.privacy.WorkbenchErasures.open(workbench, lakeRoot, java.util.Map.of(),
                    gateHashKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            server = DlqApiServer.start(workbench, erasures);
        } catch (RuntimeException e) {
            if (erasures != null) {
                erasures.close();
            }
            workbench.close();
            throw e;
        }
        DlqDepthGauges gauges = DlqDepthGauges.start(workbench, metrics, Duration.ofSeconds(5));
        health.register("dlq-api", gauges);
        out.printf("  dlq       %s/  (stewards' web page and API; bearer token for this run: %s)%n", stripSlash(server.url().toString()), token);
        out.printf("            admin token for this run (POST /api/privacy/erasures): %s%n", adminToken);
        return new DemoWorkbench(workbench, server, gauges, erasures, token, adminToken);
    }

    private static String oneRunToken() {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        return "demo-" + HexFormat.of().formatHex(random);
    }

    java.net.URI url() {
        return server.url();
    }

    String stewardToken() {
        return stewardToken;
    }

    String adminToken() {
        return adminToken;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public void close() {
        gauges.close();
        server.close();
        workbench.close();
        if (erasures != null) {
            erasures.close();
        }
    }
}
