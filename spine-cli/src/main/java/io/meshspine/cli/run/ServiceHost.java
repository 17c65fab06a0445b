package io.meshspine.cli.run;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.OpsServer;
import io.meshspine.core.ops.SpineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service running with its ops endpoint: metrics, health, the service itself. Closed in reverse order, so
 * {@code /health} reports not-ready while the service drains.
 */
public final class ServiceHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);
    static final String STARTING_CHECK = "starting";

    private final SpineService service;
    private final SpineMetrics metrics;
    private final Health health;
    private final OpsServer ops;
    private final AutoCloseable running;

    private ServiceHost(SpineService service, SpineMetrics metrics, Health health, OpsServer ops, AutoCloseable running) {
        this.service = service;
        this.metrics = metrics;
        this.health = health;
        this.ops = ops;
        this.running = running;
    }

    public static ServiceHost start(SpineService service, SpineConfig config) throws Exception {
        return start(service, config,
                config.find(CommonSettings.CONTRACTS_DIR).map(ContractCatalog::load).orElseGet(ContractCatalog::fromClasspath));
    }

    public static ServiceHost start(SpineService service, SpineConfig config, ContractCatalog contracts) throws Exception {
        SpineMetrics metrics = new SpineMetrics(service.name());
        Health health = new Health();
        OpsServer ops = null;
        try {
            // Until the service has registered its stages' checks, /health/ready must not answer 200 for an empty list of
            // checks: a supervisor (or ./spine chaos) would take a service still connecting to the broker for a ready one.
            health.register(STARTING_CHECK, () -> io.meshspine.core.ops.HealthCheck.Result.down("starting"));
            ops = new OpsServer(config.get(CommonSettings.OPS_HOST), config.get(CommonSettings.OPS_PORT), metrics, health).start();
            AutoCloseable running = service.start(config, contracts, metrics, health);
            health.unregister(STARTING_CHECK);
            log.info("service started service={} contracts={} ops={} config={}", service.name(), contracts.contracts().size(), ops.url(), config);
            return new ServiceHost(service, metrics, health, ops, running);
        } catch (Exception | Error e) {
            if (ops != null) {
                ops.close();
            }
            metrics.close();
            throw e;
        }
    }

    public String opsUrl() {
        return ops.url().toString();
    }

    public Health health() {
        return health;
    }

    public SpineMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() throws Exception {
        log.info("service stopping service={}", service.name());
        try {
            running.close();
        } finally {
            ops.close();
            metrics.close();
        }
        log.info("service stopped service={}", service.name());
    }
}
