package io.meshspine.ingest.file;

/**
 * What the lane did with one file.
 *
 * @param file            the landing-relative name it was dropped under
 * @param hash            SHA-256 of its bytes; null when it could not even be read
 * @param contract        the contract it was read as ({@code <domain>.<dataset>.v<major>})
 * @param rows            rows in the raw topic from this file (over all runs, resumed ones included)
 * @param deadLetters     rows dead-lettered from this file (over all runs)
 * @param resumedFromLine the line a crashed earlier run had committed up to; 0 when this run started the file
 * @param movedTo         where the file went: {@code archive/...} or {@code quarantine/...}
 * @param reason          why it was skipped or quarantined; null when ingested
 */
public record FileOutcome(String file, String hash, String contract, Result result, long rows, long deadLetters,
                          long resumedFromLine, String movedTo, String reason) {

    public enum Result {
        INGESTED,
        /** An identical file (same content hash) was ingested before: nothing was written. */
        SKIPPED_DUPLICATE,
        QUARANTINED
    }
}
