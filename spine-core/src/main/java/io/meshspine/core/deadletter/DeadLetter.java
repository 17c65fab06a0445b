package io.meshspine.core.deadletter;

import io.meshspine.core.contract.RuleViolation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A record that failed, the one envelope of the central DLQ ({@code schemas/envelopes/dead_letter.avsc}). Built only
 * through the named factory of the stage that failed it, so every dead letter says why in the same way.
 * {@link #toString()} never prints the original payload: it may hold PII. When {@link #sealing()} is set, the original's
 * value (and maybe key) is ciphertext under a data subject's key (see {@code io.meshspine.core.privacy.DeadLetterSealer}).
 */
public record DeadLetter(String id, FailureType failureType, String stage, String message, List<RuleViolation> violations,
                         OriginalRecord original, String contract, String contractVersion, String correlationId,
                         int replayCount, Instant deadLetteredAt, Map<String, String> context, Sealing sealing) {

    /** A dead letter whose original is in clear. */
    public DeadLetter(String id, FailureType failureType, String stage, String message, List<RuleViolation> violations,
                      OriginalRecord original, String contract, String contractVersion, String correlationId,
                      int replayCount, Instant deadLetteredAt, Map<String, String> context) {
        this(id, failureType, stage, message, violations, original, contract, contractVersion, correlationId, replayCount,
                deadLetteredAt, context, null);
    }

    public DeadLetter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(failureType, "failureType");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(message, "message");
        violations = List.copyOf(violations);
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(deadLetteredAt, "deadLetteredAt");
        context = Map.copyOf(context);
    }

    /** The error rules this record broke, for filtering and metrics. */
    public List<String> ruleIds() {
        return violations.stream().filter(RuleViolation::isError).map(RuleViolation::ruleId).toList();
    }

    /** Where a record failed and who it belongs to: what every factory needs besides the failure itself. */
    public record Origin(String stage, OriginalRecord original, String contract, String contractVersion, String correlationId,
                         int replayCount, Instant at, Map<String, String> context) {
        public Origin {
            context = Map.copyOf(context);
        }
    }

    /** The bytes are not a record: empty value, not the wire format, unknown schema id, a line that does not parse. */
    public static DeadLetter undecodable(Origin origin, String message) {
        return of(FailureType.DESERIALIZATION, origin, message, List.of());
    }

    /** A record the contract's schema cannot read, or whose business key is missing. */
    public static DeadLetter schemaMismatch(Origin origin, String message) {
        return of(FailureType.SCHEMA, origin, message, List.of());
    }

    /** A readable record that broke the contract's error rules: every violation is kept, warnings included. */
    public static DeadLetter ruleViolations(Origin origin, List<RuleViolation> violations) {
        String errors = String.join(", ", violations.stream().filter(RuleViolation::isError).map(RuleViolation::ruleId).toList());
        String warnings = String.join(", ", violations.stream().filter(v -> !v.isError()).map(RuleViolation::ruleId).toList());
        return of(FailureType.RULE, origin, "violates " + errors + (warnings.isEmpty() ? "" : "; also warns " + warnings), violations);
    }

    /** The spine failed on this record: an exception (its type and message, never the payload), or a size limit. */
    public static DeadLetter processingFailure(Origin origin, String message) {
        return of(FailureType.PROCESSING, origin, message, List.of());
    }

    public static DeadLetter processingFailure(Origin origin, Throwable error) {
        return processingFailure(origin, error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage()));
    }

    /** The lake sink could not write the record. */
    public static DeadLetter sinkFailure(Origin origin, String message) {
        return of(FailureType.SINK, origin, message, List.of());
    }

    private static DeadLetter of(FailureType type, Origin origin, String message, List<RuleViolation> violations) {
        return new DeadLetter(origin.original().id(), type, origin.stage(), message, violations, origin.original(),
                origin.contract(), origin.contractVersion(), origin.correlationId(), origin.replayCount(), origin.at(),
                origin.context());
    }

    /** The same dead letter under a lane's own stable id (a file row's {@code file:<hash>/<line>}, a change's {@code cdc:<position>}). */
    public DeadLetter withId(String stableId) {
        return new DeadLetter(stableId, failureType, stage, message, violations, original, contract, contractVersion, correlationId,
                replayCount, deadLetteredAt, context, sealing);
    }

    /** The same dead letter with another original: its encrypted form ({@code sealing} set) or its clear one (null). */
    public DeadLetter withOriginal(OriginalRecord other, Sealing how) {
        return new DeadLetter(id, failureType, stage, message, violations, other, contract, contractVersion, correlationId,
                replayCount, deadLetteredAt, context, how);
    }

    /** The same dead letter with other context entries. */
    public DeadLetter withContext(Map<String, String> other) {
        return new DeadLetter(id, failureType, stage, message, violations, original, contract, contractVersion, correlationId,
                replayCount, deadLetteredAt, other, sealing);
    }

    public boolean sealed() {
        return sealing != null;
    }

    @Override
    public String toString() {
        return "DeadLetter[" + id + " " + failureType + " at " + stage + ": " + message + ", contract " + contract
                + ", correlation " + correlationId + ", replay " + replayCount + ", " + original
                + (sealing == null ? "" : ", sealed under " + sealing.keyId()) + "]";
    }
}
