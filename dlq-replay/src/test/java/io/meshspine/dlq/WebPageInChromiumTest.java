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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The stewards' web page in headless Chromium: summary, filter, inspect, dry run and replay, against the real API. */
@ExtendWith(SpineExtension.class)
class WebPageInChromiumTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Kept after the run: what each step looked like. */
    private static final Path SCREENSHOTS = Path.of("target", "screenshots", "dlq-web-page");

    @Test
    void a_steward_clicks_from_the_summary_to_a_filtered_list_inspects_one_dry_runs_and_replays(SpineTestKit kit, @TempDir Path profile,
                                                                                               @TempDir Path logs) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "/usr/bin/chromium is absent: apt-get install -y chromium chromium-driver");
        assertThat(CHROMEDRIVER).as("chromium is installed, its driver must be too (package chromium-driver)").isExecutable();
        try (PaymentsFixture f = new PaymentsFixture(kit, "web")) {
            var letters = f.publishDeadLetters(3, "ZZZ");
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
                    browser.windowSize(1280, 1100);
                    browser.open(server.url() + "/");
                    browser.type(browser.find("#token"), "web-steward-token");
                    browser.click(browser.find("#save-token"));

                    String contract = f.contract.qualifiedName();
                    await("the summary shows this contract's dead letters").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> summaryRow(browser, contract) != null);
                    assertThat(browser.text(summaryRow(browser, contract))).contains("RULE", "currency-iso-4217", "3");
                    assertThat(browser.displayed(browser.find("#replay"))).as("a steward sees the replay controls").isTrue();
                    browser.screenshot(SCREENSHOTS.resolve("1-steward-summary.png"));
                    browser.click(summaryRow(browser, contract));

                    await("the list is filtered to them").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.findAll(".dl-row").size() == 3);
                    assertThat(browser.textOf("#list-total")).isEqualTo("3 dead letter(s) match");
                    browser.click(browser.find(".dl-id"));
                    await("the dead letter is inspected").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.textOf("#inspect").contains("\"rule_id\": \"currency-iso-4217\""));
                    assertThat(browser.textOf("#inspect")).contains("\"currency\": \"ZZZ\"").containsAnyOf(
                            letters.stream().map(d -> d.id()).toArray(String[]::new));

                    browser.screenshot(SCREENSHOTS.resolve("2-steward-inspect.png"));

                    // Repair in the page: a preview of before and after first, then the repair of the exact count.
                    browser.type(browser.find("#repair-patch"), "{\"currency\":\"EUR\"}");
                    browser.click(browser.find("#repair-preview"));
                    await("the repair preview").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.textOf("#repair-result").contains("repaired: 3"));
                    assertThat(browser.textOf("#repair-result")).startsWith("PREVIEW").contains("currency: \"ZZZ\" -> \"EUR\"");
                    assertThat(server.workbench().list(f.mine(), Steward.operator("t"))).allSatisfy(q -> assertThat(q.state().repair()).isNull());
                    browser.screenshot(SCREENSHOTS.resolve("3-steward-repair-preview.png"));
                    browser.click(browser.find("#repair-apply"));
                    await("the page asks to confirm the repair's count").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.alertText().contains("Repair 3 dead letter(s)"));
                    browser.acceptAlert();
                    await("the repair is done").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.textOf("#repair-result").startsWith("REPAIRED"));
                    assertThat(server.workbench().list(f.mine(), Steward.operator("t"))).hasSize(3)
                            .allSatisfy(q -> assertThat(q.state().repair()).isNotNull());

                    browser.click(browser.find("#dry-run"));
                    await("the dry run's counts").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.textOf("#replay-result").contains("would_pass: 3"));
                    assertThat(browser.textOf("#replay-result")).startsWith("DRY RUN");
                    assertThat(f.mine()).satisfies(filter -> assertThat(server.workbench().list(filter, Steward.operator("t"))).hasSize(3));

                    browser.click(browser.find("#replay"));
                    await("the page asks to confirm the exact count").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.alertText().contains("Publish 3 dead letter(s)"));
                    browser.acceptAlert();
                    await("the replay's counts").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                            .until(() -> browser.textOf("#replay-result").contains("replayed: 3"));
                    assertThat(server.workbench().list(f.mine("status=replayed"), Steward.operator("t"))).hasSize(3)
                            .allSatisfy(q -> assertThat(q.state().replays().get(0).by()).isEqualTo("sam"));
                    await("the queue shrinks: nothing of this contract is left").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> summaryRow(browser, contract) == null);
                    browser.screenshot(SCREENSHOTS.resolve("4-steward-replayed.png"));

                    // A viewer of the same domain signs in: the queue, but no replay control.
                    f.publishDeadLetters(1, "ZZZ");
                    browser.execute("sessionStorage.clear()");
                    browser.open(server.url() + "/");
                    browser.type(browser.find("#token"), "web-viewer-token");
                    browser.click(browser.find("#save-token"));
                    await("the viewer is signed in").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> browser.textOf("#status").contains("signed in as vera (viewer"));
                    await("the viewer sees the queue").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                            .until(() -> summaryRow(browser, contract) != null);
                    assertThat(browser.displayed(browser.find("#replay"))).as("a viewer sees no replay control").isFalse();
                    assertThat(browser.displayed(browser.find("#dry-run"))).isFalse();
                    assertThat(browser.displayed(browser.find("#repair-preview"))).as("nor any repair control").isFalse();
                    browser.screenshot(SCREENSHOTS.resolve("5-viewer-no-controls.png"));
                }
            } finally {
                driver.destroy();
                driver.waitFor();
            }
        }
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
