package io.meshspine.gate;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import io.meshspine.core.topic.Topics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gate's lineage, per contract. The gate's life is one run per contract ({@code gate.<contract>}, START when the
 * gate starts, RUNNING every {@code lineage.running-interval} with the counts so far, COMPLETE when it stops); each
 * interval with traffic is a run of its own ({@code gate.<contract>.interval}, its parent the life run) that COMPLETEs
 * at the interval's end with records in, passed and dead-lettered, and the failures per rule. Every product record
 * carries the id of the interval run that passed it ({@code spine.run-id}).
 *
 * <p>Counts are what this instance's stream threads processed: a transaction aborted and processed again (a rebalance,
 * a transient fault) is counted twice, as Kafka Streams' own metrics count it.
 */
final class GateLineage implements AutoCloseable {

    private final LineageEmitter emitter;
    private final Map<String, PerContract> contracts = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker;

    GateLineage(LineageEmitter emitter, ContractCatalog catalog, String bootstrapServers) {
        this.emitter = emitter;
        for (Contract c : catalog.contracts()) {
            contracts.put(c.qualifiedName(), new PerContract(c, bootstrapServers));
        }
        if (emitter.enabled()) {
            contracts.values().forEach(PerContract::startLife);
            Duration every = emitter.config().runningInterval();
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spine-gate-lineage");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::tick, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    /** The current interval run's id of the contract, as a header value; counts the record as passed. */
    byte[] passed(String contract) {
        if (ticker == null) {
            return null;
        }
        PerContract pc = contracts.get(contract);
        return pc == null ? null : pc.passed();
    }

    void deadLettered(DeadLetter d) {
        PerContract pc = ticker == null || d.contract() == null ? null : contracts.get(d.contract());
        if (pc != null) {
            pc.deadLettered(d);
        }
    }

    void duplicate(String contract) {
        PerContract pc = ticker == null ? null : contracts.get(contract);
        if (pc != null) {
            pc.duplicate();
        }
    }

    private void tick() {
        contracts.values().forEach(PerContract::closeInterval);
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        contracts.values().forEach(pc -> {
            pc.closeInterval();
            pc.endLife();
        });
        emitter.close();
    }

    /** One contract's life run and current interval; the stream threads and the ticker meet here, under its lock. */
    private final class PerContract {
        private final Contract contract;
        private final String job;
        private final InputDataset raw;
        private final List<OutputDataset> outputs;
        private LineageRun life;
        private LineageRun interval;
        private byte[] intervalId;
        private long in;
        private long passed;
        private long dead;
        private long duplicates;
        private final Map<String, Long> failures = new TreeMap<>();
        private long lifeIn;
        private long lifePassed;
        private long lifeDead;

        PerContract(Contract contract, String bootstrapServers) {
            this.contract = contract;
            this.job = "gate." + contract.qualifiedName();
            this.raw = Datasets.kafkaInput(bootstrapServers, contract.rawTopic());
            OutputDataset product = Datasets.kafkaOutput(bootstrapServers, contract.productTopic())
                    .withFacet(Facets.SCHEMA, Facets.schema(contract.avroSchema()))
                    .withFacet(Facets.OWNERSHIP, Facets.ownership(contract.team()));
            this.outputs = List.of(product, Datasets.kafkaOutput(bootstrapServers, Topics.DLQ));
            contract.rules().rules().forEach(r -> failures.put(r.id(), 0L));
        }

        synchronized void startLife() {
            life = emitter.begin(job, RunKind.GATE, null, List.of(raw), outputs).serviceLevels(contract.slos());
        }

        private void openIfNeeded() {
            if (interval == null) {
                interval = emitter.begin(job + ".interval", RunKind.GATE, null, life, List.of(raw), outputs).serviceLevels(contract.slos());
                intervalId = interval.runId().toString().getBytes(StandardCharsets.UTF_8);
            }
        }

        synchronized byte[] passed() {
            openIfNeeded();
            in++;
            passed++;
            return intervalId;
        }

        synchronized void deadLettered(DeadLetter d) {
            openIfNeeded();
            in++;
            dead++;
            if (d.failureType() == FailureType.RULE && !d.ruleIds().isEmpty()) {
                d.ruleIds().forEach(rule -> failures.merge(rule, 1L, Long::sum));
            } else {
                failures.merge(d.failureType().name(), 1L, Long::sum);
            }
        }

        synchronized void duplicate() {
            openIfNeeded();
            in++;
            duplicates++;
        }

        synchronized void closeInterval() {
            if (interval != null) {
                InputDataset measured = raw.withInputFacet(Facets.DATA_QUALITY_METRICS, Facets.dataQualityMetrics(in))
                        .withInputFacet(Facets.RULE_COUNTS, Facets.ruleCounts(in, passed, dead, failures))
                        .withInputFacet(Facets.DATA_QUALITY_ASSERTIONS, Facets.dataQualityAssertions(failures));
                interval.complete(new RunSummary(RunKind.GATE, in, passed, dead), List.of(measured), outputs);
                lifeIn += in;
                lifePassed += passed;
                lifeDead += dead;
                interval = null;
                intervalId = null;
                in = passed = dead = duplicates = 0;
                failures.replaceAll((k, v) -> 0L);
            }
            if (life != null) {
                life.running(new RunSummary(RunKind.GATE, lifeIn, lifePassed, lifeDead), List.of(raw), outputs);
            }
        }

        synchronized void endLife() {
            if (life != null) {
                life.complete(new RunSummary(RunKind.GATE, lifeIn, lifePassed, lifeDead), List.of(raw), outputs);
            }
        }
    }
}
