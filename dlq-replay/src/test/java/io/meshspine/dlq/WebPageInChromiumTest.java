package io.meshspine.dlq;

import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stewards' web page in headless Chromium against the real API: the summary and the arrivals chart, a filter by rule,
 * sorting, inspect, park with a reason, repair with a preview, dry run and replay of the exact count; a viewer's page.
 */
@ExtendWith(SpineExtension.class)
class WebPageInChromiumTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Kept after the run: what each step looked like. */
    private static final Path SCREENSHOTS = Path.of("target", "screenshots", "dlq-web-page");

    @Test
    void a_steward_filters_by_rule_sees_the_spike_sorts_inspects_parks_repairs_and_replays_and_a_viewer_sees_no_controls(
            SpineTestKit kit, @TempDir Path profile, @TempDir Path logs) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "/usr/bin/chromium is absent: apt-get install -y chromium chromium-driver");
        assertThat(CHROMEDRIVER).as("chromium is installed, its driver must be too (package chromium-driver)").isExecutable();
        try (PaymentsFixture f = new PaymentsFixture(kit, "web")) {
            // a spike of 5 four hours ago (a bad deploy), 2 the day before, 1 now; and one undecodable from the raw topic
            Instant spike = Instant.now().minus(Duration.ofHours(4));
            var spiked = f.publishDeadLettersAt(5, "ZZZ", spike);
            var older = f.publishDeadLettersAt(2, "ZZZ", Instant.now().minus(Duration.ofHours(30)));
            f.publishDeadLetters(1, "ZZZ");
            f.publishUndecodable(f.contract.rawTopic());
            List<ApiToken> tokens = List.of(ApiToken.parse("sam=" + ApiToken.hash("web-steward-token") + ";steward;" + f.contract.domain()),
                    ApiToken.parse("vera=" + ApiToken.hash("web-viewer-token") + ";viewer;" + f.contract.domain()));
            int port = FreePorts.next();
            Process driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(logs.resolve("chromedriver.log").toFile()).start();
            try (DlqApiServer server = DlqApiServer.start(f.config().withTokens(tokens), f.catalog)) {
                await("chromedriver listens").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                    try (Socket s = new Socket(FreePorts.LOOPBACK, port)) {
                        return true;
                    }
                });
                try (WebDriverClient browser = new WebDriverClient(URI.create("http://127.0.0.1:" + port), CHROMIUM, profile)) {
                    browser.windowSize(1400, 1000);
                    browser.open(server.url() + "/");
                    browser.type(browser.find("#token"), "web-steward-token");
                    browser.click(browser.find("#save-token"));

                    String contract = f.contract.qualifiedName();
                    await("the summary shows this contract's dead letters").atMost(WAIT).ignoreExceptions()
                            .until(() -> summaryRow(browser, contract) != null);
                    assertThat(browser.text(summaryRow(browser, contract))).contains("RULE", "currency-iso-4217", "8");
                    assertThat(browser.displayed(browser.find("#replay"))).as("a steward sees the replay controls").isTrue();
                    await("the list shows all 9 of the domain").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#list-total").equals("9 dead letter(s) match"));
                    browser.screenshot(SCREENSHOTS.resolve("1-steward-glance.png"));

                    // Filter by rule: the list and the chart follow; the spike's bucket is the peak, drawn as a bar of 5
                    browser.type(browser.find("#filter-rule"), "currency-iso-4217");
                    browser.click(browser.find("#filter-apply"));
                    await("the list is filtered by rule").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#list-total").equals("8 dead letter(s) match"));
                    await("the chart counts the rule's arrivals of the day").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#arrivals-note").startsWith("6 arrived in the last 24h (filtered)"));
                    String spikeBucket = Instant.ofEpochSecond(spike.getEpochSecond() / 3600 * 3600).toString();
                    assertThat(browser.textOf("#arrivals-peak")).startsWith("Peak: 5 dead letter(s) in the 1 h from "
                            + spikeBucket.substring(5, 13).replace('T', ' ') + ":00Z").contains("currency-iso-4217 5");
                    assertThat(bar(browser, spikeBucket, "currency-iso-4217")).as("the spike's bar").isEqualTo("5");
                    browser.click(browser.find("#window-7d"));
                    await("a week: the day before too").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#arrivals-note").startsWith("8 arrived in the last 7d (filtered)"));
                    browser.screenshot(SCREENSHOTS.resolve("2-steward-filtered-by-rule-week.png"));
                    browser.click(browser.find("#window-24h"));

                    // Sort: oldest first over the whole selection, then newest first again
                    browser.click(browser.find("th[data-sort=time]"));
                    await("oldest first").atMost(WAIT).ignoreExceptions().until(() -> older.stream().map(d -> d.id()).toList()
                            .contains(browser.attribute(browser.find(".dl-row"), "data-id")));
                    assertThat(browser.attribute(browser.find("th[data-sort=time]"), "aria-sort")).isEqualTo("ascending");
                    List<String> times = new java.util.ArrayList<>();
                    for (String row : browser.findAll(".dl-row td:nth-child(2)")) {
                        times.add(browser.text(row));
                    }
                    assertThat(times).hasSize(8).isSortedAccordingTo(java.util.Comparator.comparing(Instant::parse));
                    browser.screenshot(SCREENSHOTS.resolve("3-steward-sorted-oldest-first.png"));
                    browser.click(browser.find("th[data-sort=time]"));
                    await("newest first").atMost(WAIT).ignoreExceptions().until(() -> !older.stream().map(d -> d.id()).toList()
                            .contains(browser.attribute(browser.find(".dl-row"), "data-id"))
                            && "descending".equals(browser.attribute(browser.find("th[data-sort=time]"), "aria-sort")));

                    // Inspect one of the spike: its rule, message and field beside the list, the payload, the headers
                    String spikedId = spiked.get(0).id();
                    browser.click(row(browser, spikedId));
                    await("the dead letter is inspected").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#inspect-title").equals("Dead letter " + spikedId));
                    assertThat(browser.textOf("#inspect-violations")).contains("currency-iso-4217", "currency", "not an ISO-4217 code", "error");
                    assertThat(browser.textOf("#inspect-payload")).contains("\"currency\": \"ZZZ\"");
                    assertThat(browser.textOf("#inspect-headers")).contains(io.meshspine.core.SpineHeaders.CORRELATION_ID);
                    assertThat(browser.textOf("#inspect-history")).contains("status active");
                    browser.execute("window.scrollTo(0, 0)");
                    browser.screenshot(SCREENSHOTS.resolve("4-steward-inspect.png"));

                    // Park it: without a reason the API's message shows beside the control; with one it leaves the queue
                    browser.click(browser.find("#park-one"));
                    await("the missing reason is named").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#leave-result").equals("400: park needs a reason (the audit keeps it)"));
                    assertThat(browser.attribute(browser.find("#leave-result"), "class")).contains("error");
                    browser.type(browser.find("#leave-reason"), "duplicate of a corrected payment");
                    browser.click(browser.find("#park-one"));
                    await("parked").atMost(WAIT).ignoreExceptions().until(() -> browser.textOf("#leave-result").startsWith("PARKED"));
                    await("the list shrinks by one").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#list-total").equals("7 dead letter(s) match"));
                    assertThat(browser.textOf("#inspect-history")).contains("status parked (duplicate of a corrected payment) by sam");
                    assertThat(server.workbench().list(DeadLetterFilter.byId(spikedId), Steward.operator("t"))).singleElement()
                            .satisfies(q -> assertThat(q.state().reason()).isEqualTo("duplicate of a corrected payment"))
                            .satisfies(q -> assertThat(q.status()).isEqualTo(DeadLetterStatus.PARKED));
                    browser.screenshot(SCREENSHOTS.resolve("5-steward-parked.png"));

                    // Repair in the page: a preview of before and after first, then the repair of the exact count
                    browser.type(browser.find("#repair-patch"), "{\"currency\":\"EUR\"}");
                    browser.click(browser.find("#repair-preview"));
                    await("the repair preview").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#repair-result").contains("repaired: 7"));
                    assertThat(browser.textOf("#repair-result")).startsWith("PREVIEW").contains("currency: \"ZZZ\" -> \"EUR\"");
                    assertThat(browser.textOf("#repair-samples")).contains("currency", "\"ZZZ\"", "\"EUR\"");
                    assertThat(server.workbench().list(f.mine(), Steward.operator("t"))).hasSize(7)
                            .allSatisfy(q -> assertThat(q.state().repair()).isNull());
                    browser.screenshot(SCREENSHOTS.resolve("6-steward-repair-preview.png"));
                    browser.click(browser.find("#repair-apply"));
                    await("the page asks to confirm the repair's count").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.alertText().contains("Repair 7 dead letter(s)"));
                    browser.acceptAlert();
                    await("the repair is done").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#repair-result").startsWith("REPAIRED"));
                    assertThat(server.workbench().list(f.mine(), Steward.operator("t"))).hasSize(7)
                            .allSatisfy(q -> assertThat(q.state().repair()).isNotNull());

                    browser.click(browser.find("#dry-run"));
                    await("the dry run's counts").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#replay-result").contains("would_pass: 7"));
                    assertThat(browser.textOf("#replay-result")).startsWith("DRY RUN");
                    assertThat(server.workbench().list(f.mine(), Steward.operator("t"))).hasSize(7);

                    browser.click(browser.find("#replay"));
                    await("the page asks to confirm the exact count").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.alertText().contains("Publish 7 dead letter(s)"));
                    browser.acceptAlert();
                    await("the replay's counts").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                            .until(() -> browser.textOf("#replay-result").contains("replayed: 7"));
                    assertThat(server.workbench().list(f.mine("status=replayed"), Steward.operator("t"))).hasSize(7)
                            .allSatisfy(q -> assertThat(q.state().replays().get(0).by()).isEqualTo("sam"));
                    await("the queue shrinks: nothing of this contract is left").atMost(WAIT).ignoreExceptions()
                            .until(() -> summaryRow(browser, contract) == null && browser.textOf("#list-total").equals("0 dead letter(s) match"));
                    browser.screenshot(SCREENSHOTS.resolve("7-steward-replayed.png"));

                    // A viewer of the same domain: the queue and the chart, no repair, replay, park or resolve
                    String late = f.publishDeadLetters(1, "ZZZ").get(0).id();
                    browser.execute("sessionStorage.clear()");
                    browser.open(server.url() + "/");
                    browser.type(browser.find("#token"), "web-viewer-token");
                    browser.click(browser.find("#save-token"));
                    await("the viewer is signed in").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#status").contains("signed in as vera (viewer"));
                    await("the viewer sees the queue").atMost(WAIT).ignoreExceptions()
                            .until(() -> summaryRow(browser, contract) != null && !browser.findAll("rect.bar").isEmpty());
                    browser.click(row(browser, late));
                    await("the viewer inspects").atMost(WAIT).ignoreExceptions()
                            .until(() -> browser.textOf("#inspect-title").equals("Dead letter " + late));
                    assertThat(browser.displayed(browser.find("#replay"))).as("a viewer sees no replay control").isFalse();
                    assertThat(browser.displayed(browser.find("#dry-run"))).isFalse();
                    assertThat(browser.displayed(browser.find("#repair-preview"))).as("nor any repair control").isFalse();
                    assertThat(browser.displayed(browser.find("#park-one"))).as("nor park").isFalse();
                    assertThat(browser.displayed(browser.find("#resolve-one"))).as("nor resolve").isFalse();
                    assertThat(browser.textOf("#inspect-pii")).isEqualTo("(PII masked)");
                    browser.screenshot(SCREENSHOTS.resolve("8-viewer-no-controls.png"));
                }
            } finally {
                driver.destroy();
                driver.waitFor();
            }
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The height the chart gave the rule's bar in the bucket starting at {@code start}: its count. */
    private static String bar(WebDriverClient browser, String start, String rule) throws Exception {
        for (String bar : browser.findAll("rect.bar")) {
            if (start.equals(browser.attribute(bar, "data-start")) && rule.equals(browser.attribute(bar, "data-rule"))) {
                return browser.attribute(bar, "data-count");
            }
        }
        return null;
    }

    private static String row(WebDriverClient browser, String id) throws Exception {
        for (String row : browser.findAll(".dl-row")) {
            if (id.equals(browser.attribute(row, "data-id"))) {
                return row;
            }
        }
        throw new IllegalStateException("no row of " + id);
    }

    private static String summaryRow(WebDriverClient browser, String contract) throws Exception {
        for (String row : browser.findAll(".summary-row")) {
            if (browser.text(row).startsWith(contract + " ")) {
                return row;
            }
        }
        return null;
    }

}
