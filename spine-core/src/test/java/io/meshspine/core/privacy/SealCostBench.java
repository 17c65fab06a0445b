package io.meshspine.core.privacy;

import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.spec.SecretKeySpec;

/**
 * What Bronze encryption's seals cost alone (issue 16): {@link Ciphertext#seal} over a payments-like row, each row under
 * another data key from a pool (as consecutive rows of different subjects are), either as today's three seals (the two
 * PII columns' encodings and the raw {@code _value}) or as one seal of the same bytes together (a format with one
 * ciphertext per row). Single thread, no Kafka. Args: [rows per round=500000] [keys=10000] [rounds=8]. Prints µs of
 * CPU per row for each layout and round; the last rounds are the warm figures.
 */
public final class SealCostBench {

    private static final int[] COLUMNS = {12, 22, 180};

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int keyCount = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        SecureRandom random = new SecureRandom();
        DataKey[] keys = new DataKey[keyCount];
        for (int i = 0; i < keyCount; i++) {
            byte[] secret = new byte[32];
            byte[] id = new byte[Ciphertext.KEY_ID_BYTES];
            random.nextBytes(secret);
            random.nextBytes(id);
            keys[i] = new DataKey(HexFormat.of().formatHex(id), "scope-" + i, "payments", new SecretKeySpec(secret, "AES"));
        }
        byte[][] columns = new byte[COLUMNS.length][];
        int total = 0;
        for (int c = 0; c < COLUMNS.length; c++) {
            columns[c] = new byte[COLUMNS[c]];
            random.nextBytes(columns[c]);
            total += COLUMNS[c];
        }
        byte[] whole = new byte[total];
        random.nextBytes(whole);
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < rounds; round++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < rows; i++) {
                DataKey key = keys[(int) ((i * 7919L) % keyCount)];
                for (byte[] column : columns) {
                    sink += Ciphertext.seal(key, column)[Ciphertext.OVERHEAD - 1];
                }
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < rows; i++) {
                sink += Ciphertext.seal(keys[(int) ((i * 7919L) % keyCount)], whole)[Ciphertext.OVERHEAD - 1];
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            System.out.printf("round %d: three seals per row %.2f µs, one seal of the same %d bytes %.2f µs (CPU per row)%n", round,
                    (t1 - t0) / 1e3 / rows, total, (t2 - t1) / 1e3 / rows);
        }
        System.out.println("(checksum " + sink + ")");
    }
}
