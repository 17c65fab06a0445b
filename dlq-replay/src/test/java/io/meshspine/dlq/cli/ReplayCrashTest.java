package io.meshspine.dlq.cli;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.PaymentsFixtureAccess;
import io.meshspine.dlq.Steward;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A replay killed half-way (kill -9 of its JVM) and run again publishes each selected dead letter exactly once. */
@ExtendWith(SpineExtension.class)
class ReplayCrashTest {

    @Test
    void a_replay_killed_half_way_and_restarted_publishes_every_selected_dead_letter_exactly_once(SpineTestKit kit, @TempDir Path logs)
            throws Exception {
        try (PaymentsFixtureAccess f = PaymentsFixtureAccess.create(kit, "crash");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog())) {
            int total = 60;
            List<DeadLetter> letters = f.publishDeadLetters(total, "aud");
            Steward auditor = Steward.operator("auditor");
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), auditor).size() == total);
            String[] replay = {"--bootstrap-servers", kit.bootstrapServers(), "--registry", kit.registryUrl(), "--local-admin", "--as", "crash-test",
                    "--replay-batch", "4", "replay", "--execute", "--contract", f.contractName(), "--rate", "20", "--job", "crash-job"};

            List<String> command = ChildJvm.command(logs.resolve("jvm-tmp"), List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                    ReplayChild.class.getName(), replay);
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve("child.log").toFile()).start();
            int replayedWhenKilled;
            try {
                try {
                    await("the child replays part of the queue").atMost(Duration.ofSeconds(60))
                            .until(() -> replayed(bench, f, auditor) >= 16 || !child.isAlive());
                } finally {
                    assertThat(child.isAlive()).as("the child replay died on its own:%n%s",
                            Files.readString(logs.resolve("child.log"))).isTrue();
                }
                child.destroyForcibly();
                child.waitFor();
                replayedWhenKilled = replayed(bench, f, auditor);
            } finally {
                child.destroyForcibly();
                child.waitFor();
            }
            assertThat(replayedWhenKilled).as("killed half-way").isLessThan(total);

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = new CommandLine(new DlqCommand(f::catalog)).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute(replay);
            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("replayed");
            assertThat(err.toString()).contains("/" + (total - replayedWhenKilled) + " committed");

            List<ConsumerRecord<byte[], byte[]>> raw = kit.awaitRecords(f.rawTopic(), total,
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(), Duration.ofSeconds(30));
            Map<String, Long> published = raw.stream().collect(Collectors.groupingBy(
                    r -> SpineHeaders.string(r.headers().lastHeader(SpineHeaders.REPLAY_OF).value()), Collectors.counting()));
            assertThat(published.keySet()).containsExactlyInAnyOrderElementsOf(letters.stream().map(DeadLetter::id).toList());
            assertThat(published.values()).allMatch(n -> n == 1L);
            assertThat(raw).hasSize(total);
            assertThat(bench.list(f.mine("status=replayed"), auditor)).hasSize(total)
                    .allSatisfy(q -> assertThat(q.state().replays()).hasSize(1));
            Map<String, Long> byWho = bench.list(f.mine("status=any"), auditor).stream()
                    .collect(Collectors.groupingBy(q -> q.state().status().name(), Collectors.counting()));
            assertThat(byWho).containsExactly(Map.entry(DeadLetterStatus.REPLAYED.name(), (long) total));

            // The killed run left its intent in the audit, though it never got to write an outcome.
            List<io.meshspine.dlq.AuditEntry> crashJob = bench.audit(100_000, auditor).stream()
                    .filter(e -> e.details() != null && "crash-job".equals(e.details().path("job").asText())).toList();
            assertThat(crashJob).extracting(io.meshspine.dlq.AuditEntry::action).containsExactly("replay-intent", "replay-intent", "replay");
            assertThat(crashJob.get(0).count()).isEqualTo(total);
            assertThat(crashJob).allSatisfy(e -> assertThat(e.via()).isEqualTo("local-admin"));
        }
    }

    private static int replayed(DlqWorkbench bench, PaymentsFixtureAccess f, Steward who) {
        return bench.list(f.mine("status=replayed"), who).size();
    }

}
