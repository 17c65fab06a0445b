package io.meshspine.cli.chaos;

import io.meshspine.testkit.EmbeddedKafkaBroker;
import io.meshspine.testkit.TcpProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The faults of a chaos run, one at a time: SIGKILL of a random service (restarted at once, same config), a broker
 * outage (stopped, then restarted on the same log directory and ports) a third of the way through the kills, a
 * registry cut (every connection through the services' proxy refused) two thirds of the way. After each fault it
 * measures the recovery (see {@link Recovery}); the next fault starts {@code killEvery} after this one started, or once
 * this one recovered, whichever is later.
 */
final class FaultSchedule {

    private static final Logger log = LoggerFactory.getLogger(FaultSchedule.class);

    private final ChaosCommand.ChaosPlan plan;
    private final List<ServiceProcess> services;
    private final EmbeddedKafkaBroker broker;
    private final TcpProxy registry;
    private final FlowProbe flow;
    private final Duration patience;
    private final PrintStream out;
    private final SplittableRandom random;

    FaultSchedule(ChaosCommand.ChaosPlan plan, List<ServiceProcess> services, EmbeddedKafkaBroker broker, TcpProxy registry,
                  FlowProbe flow, Duration patience, PrintStream out) {
        this.plan = plan;
        this.services = services;
        this.broker = broker;
        this.registry = registry;
        this.flow = flow;
        this.patience = patience;
        this.out = out;
        this.random = plan.random();
    }

    List<Recovery> run() {
        List<String> faults = new ArrayList<>();
        for (int i = 0; i < plan.kills(); i++) {
            faults.add("kill");
        }
        if (!plan.brokerOutage().isZero()) {
            faults.add(Math.min(faults.size(), plan.kills() / 3), "broker-outage");
        }
        if (!plan.registryOutage().isZero()) {
            faults.add(Math.min(faults.size(), (2 * plan.kills()) / 3 + 1), "registry-cut");
        }
        List<Recovery> recoveries = new ArrayList<>();
        int n = 0;
        for (String fault : faults) {
            n++;
            long started = System.nanoTime();
            Recovery r = switch (fault) {
                case "kill" -> kill(n);
                case "broker-outage" -> brokerOutage(n);
                default -> registryCut(n);
            };
            recoveries.add(r);
            out.printf("  fault %2d  %-14s %-8s outage %-7s healthy after %-7s flowing after %s%n", n, r.fault(), r.target(),
                    Recovery.seconds(r.outage()), Recovery.seconds(r.healthy()), Recovery.seconds(r.flowing()));
            out.flush();
            long wait = started + plan.killEvery().toNanos() - System.nanoTime();
            if (wait > 0 && n < faults.size()) {
                ChaosCommand.pause(Duration.ofNanos(wait));
            }
        }
        return recoveries;
    }

    private Recovery kill(int n) {
        ServiceProcess victim = services.get(random.nextInt(services.size()));
        long t0 = System.nanoTime();
        victim.kill();
        victim.start();
        Duration outage = Duration.ofNanos(System.nanoTime() - t0);
        return measure(n, "kill -9", victim.service(), outage, List.of(victim));
    }

    private Recovery brokerOutage(int n) {
        long t0 = System.nanoTime();
        broker.stop();
        ChaosCommand.pause(plan.brokerOutage());
        broker.restart();
        return measure(n, "broker-outage", "broker", Duration.ofNanos(System.nanoTime() - t0), services);
    }

    private Recovery registryCut(int n) {
        long t0 = System.nanoTime();
        registry.cut();
        ChaosCommand.pause(plan.registryOutage());
        registry.resume();
        return measure(n, "registry-cut", "registry", Duration.ofNanos(System.nanoTime() - t0), services);
    }

    /** From now (the fault's end): until every target is ready, and until each target that moves records moved some. */
    private Recovery measure(int n, String fault, String target, Duration outage, List<ServiceProcess> targets) {
        long end = System.nanoTime();
        long deadline = end + patience.toNanos();
        Map<String, Long> baseline = new HashMap<>();
        Map<String, Boolean> moved = new HashMap<>();
        for (ServiceProcess s : targets) {
            if (FlowProbe.movesRecords(s.service())) {
                baseline.put(s.service(), flow.progress(s.service()));
                moved.put(s.service(), false);
            }
        }
        Duration healthy = null;
        Duration flowing = null;
        while (System.nanoTime() < deadline && (healthy == null || flowing == null)) {
            if (healthy == null && targets.stream().allMatch(ServiceProcess::ready)) {
                healthy = Duration.ofNanos(System.nanoTime() - end);
            }
            if (flowing == null) {
                for (var e : baseline.entrySet()) {
                    long now = flow.progress(e.getKey());
                    if (e.getValue() < 0) {
                        e.setValue(now); // unreadable at the fault's end: the first reading is the baseline (an over-estimate)
                    } else if (now > e.getValue()) {
                        moved.put(e.getKey(), true);
                    }
                }
                if (moved.values().stream().allMatch(m -> m)) {
                    flowing = Duration.ofNanos(System.nanoTime() - end);
                }
            }
            if (healthy == null || flowing == null) {
                ChaosCommand.pause(Duration.ofMillis(250));
            }
        }
        if (healthy == null || flowing == null) {
            log.warn("chaos fault not recovered fault={} target={} health={}", fault, target,
                    targets.stream().map(s -> s.service() + "=" + s.healthDetail()).toList());
        }
        return new Recovery(n, fault, target, outage, healthy, flowing);
    }
}
