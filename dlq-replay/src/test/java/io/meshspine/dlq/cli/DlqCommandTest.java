package io.meshspine.dlq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.render.PiiMask;
import io.meshspine.dlq.ApiToken;
import io.meshspine.dlq.PaymentsFixtureAccess;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./spine dlq} as a steward runs it, through picocli, against the real broker and registry. */
@ExtendWith(SpineExtension.class)
class DlqCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exit, String out, String err) {
        List<JsonNode> lines() {
            List<JsonNode> nodes = new ArrayList<>();
            out.lines().filter(l -> l.startsWith("{")).forEach(l -> {
                try {
                    nodes.add(JSON.readTree(l));
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            });
            return nodes;
        }
    }

    @Test
    void a_steward_lists_summarises_inspects_repairs_dry_runs_parks_resolves_and_reads_the_audit(SpineTestKit kit) throws Exception {
        try (PaymentsFixtureAccess f = PaymentsFixtureAccess.create(kit, "cli")) {
            List<DeadLetter> letters = f.publishDeadLetters(4, "aud");
            String contract = f.contractName();

            Run summary = run(kit, f, "summary", "--contract", contract);
            assertThat(summary.exit()).as(summary.err()).isZero();
            assertThat(summary.out()).contains("CONTRACT", contract, "RULE", "currency-iso-4217", "4 dead letter(s)");

            Run list = run(kit, f, "list", "--contract", contract, "--json");
            assertThat(list.lines()).hasSize(4).allSatisfy(l -> assertThat(l.get("status").asText()).isEqualTo("active"));
            assertThat(list.out()).doesNotContain("customer_id");

            Run inspect = run(kit, f, "inspect", letters.get(0).id(), "--json");
            assertThat(inspect.lines().get(0).at("/original/value/customer_id").asText()).isEqualTo(PiiMask.MASKED);
            Run unmasked = run(kit, f, "inspect", letters.get(0).id(), "--json", "--show-pii");
            assertThat(unmasked.lines().get(0).at("/original/value/customer_id").asText()).startsWith("C");
            assertThat(run(kit, f, "inspect", "no/such/1").exit()).isEqualTo(DlqCommand.REFUSED);

            Run refused = run(kit, f, "repair", "--patch", "{\"currency\":\"AUD\"}");
            assertThat(refused.exit()).isEqualTo(DlqCommand.REFUSED);
            assertThat(refused.err()).contains("--all");
            Run repair = run(kit, f, "repair", "--contract", contract, "--id", letters.get(0).id(), "--id", letters.get(1).id(),
                    "--patch", "{\"currency\":\"AUD\"}");
            assertThat(repair.exit()).as(repair.err()).isZero();
            assertThat(repair.out()).containsPattern("repaired\\s+2");
            Run badPatch = run(kit, f, "repair", "--id", letters.get(2).id(), "--patch", "{\"amount\":\"lots\"}", "--json");
            assertThat(badPatch.lines().get(0).at("/counts/patch_invalid").asInt()).isEqualTo(1);

            Run recheck = run(kit, f, "recheck", "--contract", contract, "--json");
            assertThat(recheck.lines().get(0).get("counts")).isEqualTo(JSON.readTree("{\"passes\":2,\"fails\":2}"));

            Run dryRun = run(kit, f, "replay", "--contract", contract);
            assertThat(dryRun.exit()).as(dryRun.err()).isZero();
            assertThat(dryRun.out()).contains("(dry run)", "nothing was published").containsPattern("would_pass\\s+2")
                    .containsPattern("would_fail_again\\s+2");

            Run park = run(kit, f, "park", "--id", letters.get(2).id(), "--reason", "test payment from the hub's staging");
            assertThat(park.out()).containsPattern("parked\\s+1");
            Run resolve = run(kit, f, "resolve", "--id", letters.get(3).id(), "--reason", "booked by hand");
            assertThat(resolve.out()).containsPattern("resolved\\s+1");
            assertThat(run(kit, f, "list", "--contract", contract, "--json").lines()).hasSize(2);
            assertThat(run(kit, f, "list", "--contract", contract, "--status", "any", "--json").lines())
                    .extracting(l -> l.get("status").asText()).containsExactlyInAnyOrder("active", "active", "parked", "resolved");

            Run audit = run(kit, f, "audit", "--limit", "1000", "--json");
            List<JsonNode> mine = audit.lines().stream().filter(a -> a.get("filter") != null
                    && (a.get("filter").toString().contains(contract) || letters.stream().anyMatch(l -> a.get("filter").toString().contains(l.id()))))
                    .toList();
            assertThat(mine).extracting(a -> a.get("action").asText())
                    .containsSubsequence("repair", "recheck", "replay-dry-run", "park", "resolve");
            assertThat(mine).allSatisfy(a -> assertThat(a.get("who").asText()).isEqualTo("cli-steward"));
            assertThat(mine).filteredOn(a -> a.get("action").asText().equals("inspect-pii")).hasSize(1)
                    .allSatisfy(a -> assertThat(a.at("/filter/id/0").asText()).isEqualTo(letters.get(0).id()));
            assertThat(mine).filteredOn(a -> a.get("action").asText().equals("park"))
                    .allSatisfy(a -> assertThat(a.at("/details/reason").asText()).isEqualTo("test payment from the hub's staging"));

            Run badFilter = run(kit, f, "list", "--failure-type", "WRONG");
            assertThat(badFilter.exit()).isEqualTo(DlqCommand.REFUSED);
            assertThat(badFilter.err()).contains("failure-type");
        }
    }

    @Test
    void the_cli_acts_as_its_token_within_its_domains_and_a_local_admin_says_so_in_the_audit(SpineTestKit kit) throws Exception {
        try (PaymentsFixtureAccess mine = PaymentsFixtureAccess.create(kit, "cli-id-a");
             PaymentsFixtureAccess other = PaymentsFixtureAccess.create(kit, "cli-id-b")) {
            DeadLetter own = mine.publishDeadLetters(1, "aud").get(0);
            DeadLetter theirs = other.publishDeadLetters(1, "aud").get(0);
            PaymentsFixtureAccess both = mine.with(other);
            String tokens = "pat=" + ApiToken.hash("pat-token") + ";steward;" + mine.domain() + " viv=" + ApiToken.hash("viv-token") + ";viewer;"
                    + mine.domain();

            Run nobody = runAs(kit, both, "list", "--id", own.id());
            assertThat(nobody.exit()).isEqualTo(DlqCommand.REFUSED);
            assertThat(nobody.err()).contains("--token", "--local-admin");
            Run unknown = runAs(kit, both, "--tokens", tokens, "--token", "guessed", "list");
            assertThat(unknown.exit()).isEqualTo(DlqCommand.REFUSED);
            assertThat(unknown.err()).contains("matches none");

            Run list = runAs(kit, both, "--tokens", tokens, "--token", "pat-token", "list", "--status", "any", "--json", "--limit", "100000");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.lines()).extracting(l -> l.get("id").asText()).contains(own.id()).doesNotContain(theirs.id());
            assertThat(list.err()).contains("narrowed to your domains");
            Run park = runAs(kit, both, "--tokens", tokens, "--token", "pat-token", "park", "--id", theirs.id(), "--reason", "not mine", "--json");
            assertThat(park.lines().get(0).get("selected").asInt()).isZero();
            Run viewerRepair = runAs(kit, both, "--tokens", tokens, "--token", "viv-token", "repair", "--id", own.id(), "--patch", "{\"currency\":\"AUD\"}");
            assertThat(viewerRepair.exit()).isEqualTo(DlqCommand.REFUSED);
            assertThat(viewerRepair.err()).contains("viv (viewer) may not repair");

            Run admin = runAs(kit, both, "--local-admin", "--as", "root-at-terminal", "resolve", "--id", theirs.id(), "--reason", "booked", "--json");
            assertThat(admin.exit()).as(admin.err()).isZero();
            assertThat(admin.lines().get(0).at("/counts/resolved").asInt()).isEqualTo(1);
            Run audit = runAs(kit, both, "--local-admin", "audit", "--limit", "100000", "--json");
            assertThat(audit.lines()).filteredOn(a -> a.get("action").asText().equals("resolve") && a.get("who").asText().equals("root-at-terminal"))
                    .singleElement().satisfies(a -> {
                        assertThat(a.get("via").asText()).isEqualTo("local-admin");
                        assertThat(a.at("/details/ids/0").asText()).isEqualTo(theirs.id());
                    });
            assertThat(audit.lines()).filteredOn(a -> a.get("action").asText().equals("park") && a.get("who").asText().equals("pat"))
                    .singleElement().satisfies(a -> assertThat(a.get("via").asText()).isEqualTo("token"));
        }
    }

    @Test
    void help_lists_failure_types_statuses_and_roles_from_the_code() {
        CommandLine cli = new CommandLine(new DlqCommand());
        String list = cli.getSubcommands().get("list").getUsageMessage();
        for (var t : io.meshspine.core.deadletter.FailureType.values()) {
            assertThat(list).contains(t.name());
        }
        for (var s : io.meshspine.dlq.DeadLetterStatus.values()) {
            assertThat(list).contains(s.name().toLowerCase(java.util.Locale.ROOT));
        }
        assertThat(cli.getUsageMessage()).contains(io.meshspine.dlq.DlqSettings.ROLES).contains("--correlation-id");
        assertThat(cli.getSubcommands().get("serve").getUsageMessage()).contains(io.meshspine.dlq.DlqSettings.ROLES)
                .contains("default $SPINE_DLQ_HTTP_PORT or " + io.meshspine.dlq.DlqSettings.HTTP_PORT.defaultValue().orElseThrow());
        assertThat(cli.getUsageMessage()).contains("(default " + io.meshspine.dlq.DlqSettings.MAX_REPLAY_COUNT.defaultValue().orElseThrow() + ")");
    }

    @Test
    void every_subcommand_has_help() {
        CommandLine cli = new CommandLine(new DlqCommand());
        assertThat(cli.getSubcommands().keySet()).containsExactlyInAnyOrder("list", "summary", "inspect", "repair", "recheck",
                "replay", "park", "resolve", "audit", "serve");
        cli.getSubcommands().values().forEach(sub -> assertThat(sub.getUsageMessage()).contains("Usage:"));
    }

    private static Run run(SpineTestKit kit, PaymentsFixtureAccess f, String... args) {
        List<String> all = new ArrayList<>(List.of("--tokens", "cli-steward=" + ApiToken.hash("cli-steward-token") + ";steward;" + f.domain(),
                "--token", "cli-steward-token"));
        all.addAll(List.of(args));
        return runAs(kit, f, all.toArray(String[]::new));
    }

    private static Run runAs(SpineTestKit kit, PaymentsFixtureAccess f, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", kit.bootstrapServers(), "--registry", kit.registryUrl()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DlqCommand(f::catalog)).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }
}
