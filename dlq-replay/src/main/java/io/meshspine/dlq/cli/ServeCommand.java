package io.meshspine.dlq.cli;

import io.meshspine.dlq.ApiToken;
import io.meshspine.dlq.DlqApiServer;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.PrivacyErasures;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code spine dlq serve}: the HTTP API, its OpenAPI document and the stewards' web page, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, defaultValueProvider = DlqDefaults.class,
        resourceBundle = "io.meshspine.dlq.cli.DlqHelp",
        description = {"Serve the workbench as JSON over HTTP (OpenAPI at /openapi.json) and a web page at /, until Ctrl-C.",
                "Tokens: <name>=sha256:<hex>;<${bundle:roles}>[;<domain>,...] from --tokens or $SPINE_DLQ_TOKENS "
                        + "(whitespace separated). Hash a token with: spine dlq serve --hash-token <token>."})
final class ServeCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    DlqCommand dlq;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--host", description = "Address to bind (default $SPINE_DLQ_HTTP_HOST or ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", description = "Port (default $SPINE_DLQ_HTTP_PORT or ${DEFAULT-VALUE}; 0: any free port).")
    int port;

    @Option(names = "--hash-token", paramLabel = "<token>", description = "Print the sha256:<hex> of a token for the configuration, and exit.")
    String hashToken;

    @Option(names = "--lake", paramLabel = "<root>", description = "The sink's lake root (default $SPINE_SINK_LAKE): with a master key"
            + " ($SPINE_PRIVACY_MASTER_KEY) and the gate's hash key ($SPINE_GATE_HASH_KEY) the server serves POST /api/privacy/erasures"
            + " (admins); without them that endpoint answers 501.")
    String lake;

    @Override
    public Integer call() throws InterruptedException {
        var out = spec.commandLine().getOut();
        if (hashToken != null) {
            out.println(ApiToken.hash(hashToken));
            out.flush();
            return 0;
        }
        DlqConfig serving;
        try {
            serving = dlq.config().withHttp(host, port);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DlqCommand.REFUSED;
        }
        List<ApiToken> tokens = serving.tokens();
        CountDownLatch stopped = new CountDownLatch(1);
        return dlq.serving(spec, (bench, who) -> {
            try (PrivacyErasures.Served erasures = erasures(bench, out);
                 DlqApiServer server = DlqApiServer.start(bench, erasures)) {
                out.println("dlq workbench at " + server.url() + "/ (API " + server.url() + "/api, OpenAPI " + server.url()
                        + "/openapi.json), " + tokens.size() + " token(s)" + (erasures == null ? "" : ", erasures served to admins")
                        + ". Ctrl-C stops it.");
                out.flush();
                Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "spine-dlq-serve-stop"));
                stopped.await();
            }
            return 0;
        }, serving);
    }

    /**
     * The erasures to serve: only with a master key of its own (the demo key protects nothing, and erasing under it
     * would attest to nothing), the gate's hash key and the lake; null otherwise (the endpoint answers 501), saying why
     * when a master key is set.
     */
    private PrivacyErasures.Served erasures(DlqWorkbench bench, java.io.PrintWriter out) {
        if (bench.config().privacy().masters().current().isDemo()) {
            return null;
        }
        String root = lake != null ? lake : System.getenv("SPINE_SINK_LAKE");
        String hashKey = System.getenv("SPINE_GATE_HASH_KEY");
        if (root == null || root.isBlank() || hashKey == null || hashKey.isBlank()) {
            out.println("note: erasures not served (POST /api/privacy/erasures answers 501): give --lake (or $SPINE_SINK_LAKE) and $SPINE_GATE_HASH_KEY");
            return null;
        }
        java.util.Optional<PrivacyErasures.Provider> provider = java.util.ServiceLoader.load(PrivacyErasures.Provider.class).findFirst();
        if (provider.isEmpty()) {
            out.println("note: erasures not served (POST /api/privacy/erasures answers 501): no erasure provider on the classpath (run it as ./spine dlq serve)");
            return null;
        }
        return provider.get().open(bench, root, hashKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
