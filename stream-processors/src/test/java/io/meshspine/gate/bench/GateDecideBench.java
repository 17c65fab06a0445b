package io.meshspine.gate.bench;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.gate.ContractGate;
import io.meshspine.gate.GateDecision;
import io.meshspine.gate.ProductTransform;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * CPU per record of the gate's decision alone (no Kafka): what the gate adds to a pass-through's work.
 * {@code ./mvnw -q -o test-compile exec:java -pl stream-processors -Dexec.classpathScope=test -Dexec.mainClass=io.meshspine.gate.bench.GateDecideBench}
 */
public final class GateDecideBench {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        SpineTestKit kit = SpineTestKit.shared();
        Contract payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow(), "decide");
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        ContractGate gate = new ContractGate(ContractCatalog.of(List.of(payments)), registry,
                "bench-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8), 1_000_000, ProductTransform.NONE);
        SamplePayments samples = new SamplePayments(payments.avroSchema());
        Instant at = Instant.now().minusSeconds(3600);
        byte[][] values = new byte[10_000][];
        for (int i = 0; i < values.length; i++) {
            values[i] = WireFormat.encode(writerId, payments.avroSchema(), samples.valid(i, at));
        }
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 5; round++) {
            long cpu = bean.getCurrentThreadCpuTime();
            long passed = 0;
            for (int i = 0; i < n; i++) {
                var in = new ContractGate.RawRecord(payments.rawTopic(), 0, i, at.toEpochMilli(), null, values[i % values.length], new RecordHeaders());
                if (gate.decide(in, Instant.now(), id -> false) instanceof GateDecision.Pass) {
                    passed++;
                }
            }
            double us = (bean.getCurrentThreadCpuTime() - cpu) / 1e3 / n;
            System.out.printf("round %d: %.2f µs CPU per decision (%,d passed)%n", round, us, passed);
        }
        System.exit(0);
    }
}
