package io.meshspine.ingest.file;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Loan-application CSV rows for the {@code lending.loan_applications} contract, deterministic per sequence number. */
public final class SampleLoans {

    public static final String HEADER = "application_id,customer_id,product,amount,term_months,status,submitted_at,decided_at,broker_code";
    private static final List<String> PRODUCTS = List.of("HOME", "PERSONAL", "CAR", "BUSINESS");
    private static final List<String> STATUSES = List.of("SUBMITTED", "APPROVED", "DECLINED", "WITHDRAWN");
    private static final Instant BASE = Instant.parse("2024-03-01T09:30:00Z");

    private SampleLoans() {
    }

    public static String applicationId(String batch, long sequence) {
        return "APP-" + batch + "-" + sequence;
    }

    /** One CSV line (without its line break). Every 7th has no decision time and no broker (empty cells = null). */
    public static String row(String batch, long sequence) {
        String status = STATUSES.get((int) (sequence % STATUSES.size()));
        Instant submitted = BASE.plus(sequence % 100_000, ChronoUnit.SECONDS);
        boolean decided = sequence % 7 != 0 && !status.equals("SUBMITTED");
        return applicationId(batch, sequence) + ",C" + (100_000 + sequence % 900_000) + "," + PRODUCTS.get((int) (sequence % 4)) + ","
                + (1000 + sequence % 50_000) + "." + String.format("%02d", sequence % 100) + "," + (12 + sequence % 360) + "," + status + ","
                + submitted + "," + (decided ? submitted.plus(2, ChronoUnit.DAYS).toString() : "") + ","
                + (sequence % 7 == 0 ? "" : "BRK-" + String.format("%05d", sequence % 100_000));
    }

    /** A whole file: header and rows 0..count-1, LF line ends. */
    public static String csv(String batch, int count) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (int i = 0; i < count; i++) {
            b.append(row(batch, i)).append('\n');
        }
        return b.toString();
    }
}
