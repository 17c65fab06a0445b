package io.meshspine.dlq;

import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the audit keeps of each action, on the real broker: the ids changed, PII filter values only as hashes, a replay's intent and outcome. */
@ExtendWith(SpineExtension.class)
class AuditTrailTest {

    @Test
    void park_resolve_and_replay_name_the_ids_they_changed_or_their_hash_and_count_when_there_are_many(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "audit-ids");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog)) {
            List<DeadLetter> letters = f.publishDeadLetters(110, "aud");
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), sam).size() == 110);
            ActionReport repair = bench.repair(f.mine(), new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"currency\":\"AUD\"}"), sam);
            assertThat(repair.count(Outcome.REPAIRED)).isEqualTo(110);
            List<String> parkedIds = List.of(letters.get(0).id(), letters.get(1).id());
            String parkAudit = bench.park(DeadLetterFilter.parse(Map.of("id", parkedIds)), "test payments", sam).auditId();
            String resolveAudit = bench.resolve(DeadLetterFilter.byId(letters.get(2).id()), "booked by hand", sam).auditId();
            ActionReport replay = bench.replay(ReplayRequest.dryRun(f.mine()).forReal(), sam, ReplayProgress.NONE);
            assertThat(replay.count(Outcome.REPLAYED)).isEqualTo(107);

            List<AuditEntry> audit = bench.audit(100_000, sam);
            AuditEntry park = byId(audit, parkAudit);
            assertThat(park.details().get("ids")).extracting(n -> n.asText()).containsExactlyInAnyOrderElementsOf(parkedIds);
            assertThat(park.details().get("ids_count").asInt()).isEqualTo(2);
            assertThat(park.details().get("ids_sha256").asText()).isEqualTo(sha256(String.join("\n", new TreeSet<>(parkedIds))));
            assertThat(park.domains()).containsExactly(f.contract.domain());
            assertThat(byId(audit, resolveAudit).details().get("ids").get(0).asText()).isEqualTo(letters.get(2).id());

            // However many were repaired, the entry stays one small record: 100 hash pairs in clear, the rest hashed.
            AuditEntry repaired = byId(audit, repair.auditId());
            assertThat(repaired.details().get("repaired")).hasSize(100);
            assertThat(repaired.details().get("ids_count").asInt()).isEqualTo(110);
            assertThat(repaired.details().has("ids")).isFalse();
            assertThat(repaired.details().get("repaired_sha256").asText()).hasSize(64);
            AuditEntry outcome = byId(audit, replay.auditId());
            List<String> replayed = letters.subList(3, 110).stream().map(DeadLetter::id).toList();
            assertThat(outcome.details().has("ids")).as("107 ids: only hash and count").isFalse();
            assertThat(outcome.details().get("ids_count").asInt()).isEqualTo(107);
            assertThat(outcome.details().get("ids_sha256").asText()).isEqualTo(sha256(String.join("\n", new TreeSet<>(replayed))));
            AuditEntry intent = audit.stream().filter(e -> e.action().equals("replay-intent")
                    && e.details().get("job").asText().equals(replay.job())).findFirst().orElseThrow();
            assertThat(intent.outcome()).isEqualTo("started");
            assertThat(intent.count()).isEqualTo(107);
            assertThat(intent.details().get("ids_sha256").asText()).isEqualTo(outcome.details().get("ids_sha256").asText());
            assertThat(intent.at()).isBeforeOrEqualTo(outcome.at());
            // the intent was written before anything was published: no replayed state is older than it
            assertThat(bench.list(f.mine("status=replayed"), sam)).allSatisfy(q ->
                    assertThat(q.state().replays().get(0).at()).isAfterOrEqualTo(intent.at()));
        }
    }

    @Test
    void filter_values_on_pii_fields_are_kept_as_hashes_never_in_clear(SpineTestKit kit) throws Exception {
        try (PaymentsFixture f = new PaymentsFixture(kit, "audit-pii");
             DlqWorkbench bench = DlqWorkbench.open(f.config(), f.catalog)) {
            DeadLetter letter = f.publishDeadLetters(1, "aud").get(0);
            Steward sam = new Steward("sam", Role.STEWARD, Set.of(f.contract.domain()));
            await().atMost(Duration.ofSeconds(20)).until(() -> bench.list(f.mine(), sam).size() == 1);
            String customer = bench.inspect(letter.id(), sam).orElseThrow().at("/original/value/customer_id").asText();
            assertThat(customer).startsWith("C");
            ActionReport park = bench.park(f.mine("where=customer_id=" + customer, "where=currency=aud"), "customer asked us to", sam);
            assertThat(park.count(Outcome.PARKED)).isEqualTo(1);

            AuditEntry entry = byId(bench.audit(100_000, sam), park.auditId());
            assertThat(entry.filter().toString()).doesNotContain(customer);
            assertThat(entry.filter().get("where")).extracting(n -> n.asText())
                    .containsExactlyInAnyOrder("customer_id=sha256:" + sha256(customer), "currency=aud");
            assertThat(bench.audit(100_000, sam).toString()).doesNotContain(customer);
        }
    }

    private static AuditEntry byId(List<AuditEntry> audit, String id) {
        return audit.stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no audit entry " + id));
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
