package io.meshspine.cli.chaos;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.deadletter.FailureType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The file lane's share of a chaos run: loan-application CSV files dropped into the landing area (written under a
 * temporary name, then renamed, as a well-behaved feed does), each with one row whose amount is no number (the file
 * lane dead-letters it) and one with a status the contract does not allow (the gate does).
 */
final class FileFeed {

    static final Ledger.BadKind AMOUNT_NOT_A_NUMBER = new Ledger.BadKind("amount-not-a-number", FailureType.DESERIALIZATION);
    static final Ledger.BadKind UNKNOWN_STATUS = new Ledger.BadKind("unknown-status", FailureType.RULE);

    private static final String[] PRODUCTS = {"HOME", "PERSONAL", "CAR", "BUSINESS"};
    private static final String[] STATUSES = {"SUBMITTED", "APPROVED", "DECLINED", "WITHDRAWN"};

    private final Contract loans;
    private final Path dir;
    private final Ledger ledger;
    private final String run;
    private int files;

    FileFeed(Contract loans, Path landing, Ledger ledger, String run) {
        this.loans = loans;
        this.dir = landing.resolve(((SourceBinding.File) loans.source()).landingGlob()).getParent();
        this.ledger = ledger;
        this.run = run;
    }

    /** Drops one file of {@code rows} rows (at least 3: two of them bad). */
    void drop(int rows) {
        int file = ++files;
        StringBuilder csv = new StringBuilder("application_id,customer_id,product,amount,term_months,status,submitted_at,decided_at,broker_code\n");
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(3, ChronoUnit.DAYS);
        int badAmount = 2;
        int badStatus = rows - 1;
        for (int i = 1; i <= rows; i++) {
            String id = "APP-" + run + "-" + file + "-" + i;
            String amount = i == badAmount ? "twelve thousand" : (5_000 + 125 * i) + ".00";
            String status = i == badStatus ? "LOST" : STATUSES[i % STATUSES.length];
            Instant submitted = base.plus(i, ChronoUnit.MINUTES);
            String decided = status.equals("SUBMITTED") || status.equals("LOST") ? "" : submitted.plus(1, ChronoUnit.DAYS).toString();
            csv.append(id).append(",C").append(300_000 + i).append(',').append(PRODUCTS[i % PRODUCTS.length]).append(',')
                    .append(amount).append(',').append(12 * (1 + i % 5)).append(',').append(status).append(',')
                    .append(submitted).append(',').append(decided).append(",BRK-").append(100 + i % 900).append('\n');
        }
        String name = "chaos-" + run + "-" + file + ".csv";
        try {
            Files.createDirectories(dir);
            Path part = dir.resolve(name + ".part");
            Files.writeString(part, csv, StandardCharsets.UTF_8);
            Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot drop " + name + " into " + dir, e);
        }
        for (int i = 1; i <= rows; i++) {
            if (i == badAmount) {
                ledger.bad(loans.id(), AMOUNT_NOT_A_NUMBER);
            } else if (i == badStatus) {
                ledger.bad(loans.id(), UNKNOWN_STATUS);
            } else {
                ledger.good(loans.id(), "APP-" + run + "-" + file + "-" + i);
            }
        }
    }

    int files() {
        return files;
    }
}
